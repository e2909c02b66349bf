import { serve } from '@hono/node-server';
import { loadConfig } from '../infra/config.js';
import { APP_ROLE, createSql } from '../infra/db.js';
import { createLogger } from '../infra/logger.js';
import { createTemporalClient } from '../infra/temporal-client.js';
import { clientInterceptors } from '../infra/temporal-tracing.js';
import { startTracing } from '../infra/tracing.js';
import { createProviders } from '../psp/from-config.js';
import { providerBuilder } from '../psp/registry.js';
import { createApp } from './app.js';
import { apiSettingsFrom } from './settings.js';

const config = loadConfig();
const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY, name: 'api' });
if (!config.DATABASE_URL) {
  logger.fatal('DATABASE_URL is not set');
  process.exit(78);
}
const sql = createSql(config.DATABASE_URL, {
  max: config.DATABASE_POOL_SIZE,
  applicationName: 'escrow-api',
  role: APP_ROLE,
});
// Before the client and the app: off (nothing started) unless an OTLP endpoint is set.
const tracing = startTracing('escrow-api');
const temporal = createTemporalClient(config, { interceptors: clientInterceptors(tracing) });
const app = createApp({
  sql,
  temporal,
  logger,
  providers: createProviders(config),
  buildProvider: providerBuilder(config),
  settings: apiSettingsFrom(config),
  tracing: tracing !== undefined,
});

const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) =>
  logger.info({ url: `http://${config.HOST}:${info.port}` }, 'API listening'),
);
server.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE') {
    logger.fatal(`Port ${config.PORT} (API) is already in use: set PORT to a free port.`);
  } else {
    logger.fatal({ err: error }, 'API server failed');
  }
  process.exit(1);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'API stopping');
  server.close();
  await Promise.allSettled([
    sql.end({ timeout: 5 }),
    temporal.connection.close(),
    tracing?.shutdown(),
  ]);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
