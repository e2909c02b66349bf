import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Connection } from '@temporalio/client';
import { dataDir, repoRoot } from '../devstack/paths.js';
import { assertPortFree, PortInUseError } from '../devstack/ports.js';
import { devDataDir, postgresRunAs } from '../devstack/postgres-binaries.js';
import { PostgresSetupError, startPostgres } from '../devstack/postgres-server.js';
import { spawnService, waitForHttp } from '../devstack/services.js';
import { registerSearchAttributes, startTemporal } from '../devstack/temporal-server.js';
import { stopChild } from '../devstack/watchdog.js';
import { loadConfig } from '../infra/config.js';
import { createSql } from '../infra/db.js';
import { MigrationMismatchError, migrate } from '../infra/migrate.js';
import { temporalTarget } from '../infra/temporal-client.js';
import { workerNodeOptions } from '../worker/options.js';
import { prefixedWriter } from './lib/log-prefix.js';

// The whole stack on one machine: embedded Postgres, Temporal dev server (with UI), the
// sandbox PSP, the worker and the API. DATABASE_URL / TEMPORAL_ADDRESS swap in real servers.
const config = loadConfig();
const say = prefixedWriter('dev');
const stops: Array<() => Promise<void>> = [];
const children: ChildProcess[] = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping…');
    // Every stop is started at once: Ctrl-C reaches the servers too, and none may be orphaned.
    const results = await Promise.allSettled([
      ...children.map((child) => stopChild(child)),
      ...stops.map((stop) => stop()),
    ]);
    for (const result of results) {
      if (result.status === 'rejected') say(`stop failed: ${String(result.reason)}`);
    }
    say('stopped.');
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

async function startDatabase(): Promise<string> {
  if (config.DATABASE_URL) {
    say('using the Postgres at DATABASE_URL');
    return config.DATABASE_URL;
  }
  await assertPortFree(
    config.PG_PORT,
    'Postgres',
    'PG_PORT (or DATABASE_URL to use a running server)',
  );
  const pgData = devDataDir(join(dataDir, 'postgres'), postgresRunAs());
  const pgLog = prefixedWriter('postgres');
  const fresh = !existsSync(join(pgData, 'PG_VERSION'));
  const server = await startPostgres({
    dataDir: pgData,
    port: config.PG_PORT,
    onLog: (line) => {
      if (/ERROR|FATAL|PANIC|ready to accept/.test(line)) pgLog(line);
    },
  });
  stops.push(server.stop);
  const admin = createSql(server.url(), { max: 1 });
  const [exists] = await admin`select 1 from pg_database where datname = 'escrow'`;
  if (!exists) await admin.unsafe('create database escrow');
  await admin.end();
  const where = pgData.startsWith(repoRoot) ? relative(repoRoot, pgData) : pgData;
  say(fresh ? `Postgres initialised in ${where}` : `Postgres started with the data in ${where}`);
  return server.url('escrow');
}

async function startTemporalServer(): Promise<{ address: string; uiUrl?: string }> {
  if (config.TEMPORAL_ADDRESS) {
    const connection = await Connection.connect(temporalTarget(config).connection);
    await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE).finally(() =>
      connection.close(),
    );
    say(`using the Temporal server at ${config.TEMPORAL_ADDRESS}`);
    return { address: config.TEMPORAL_ADDRESS };
  }
  await assertPortFree(
    config.TEMPORAL_PORT,
    'Temporal frontend',
    'TEMPORAL_PORT (or TEMPORAL_ADDRESS to use a running server)',
  );
  await assertPortFree(config.TEMPORAL_UI_PORT, 'Temporal Web UI', 'TEMPORAL_UI_PORT');
  mkdirSync(dataDir, { recursive: true });
  const temporalLog = prefixedWriter('temporal');
  const server = await startTemporal({
    port: config.TEMPORAL_PORT,
    uiPort: config.TEMPORAL_UI_PORT,
    dbFile: join(dataDir, 'temporal.db'),
    namespace: config.TEMPORAL_NAMESPACE,
    // Payloads are encrypted: the UI decodes them through the API's codec route.
    uiCodecEndpoint: `http://${config.HOST}:${config.PORT}/codec`,
    onLog: temporalLog,
  });
  stops.push(server.stop);
  return server;
}

function startService(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawnService(entry, env, prefixedWriter(name));
  children.push(child);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${signal ?? `code ${code}`}); stopping the stack.`);
    void shutdown(1);
  });
  return child;
}

try {
  await assertPortFree(config.PORT, 'API', 'PORT');
  await assertPortFree(config.PSP_SANDBOX_PORT, 'sandbox PSP', 'PSP_SANDBOX_PORT');
  const [databaseUrl, temporal] = await Promise.all([startDatabase(), startTemporalServer()]);
  const sql = createSql(databaseUrl, { max: 1 });
  const { applied } = await migrate(sql);
  await sql.end();
  say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');

  const apiUrl = `http://${config.HOST}:${config.PORT}`;
  const sandboxUrl = `http://127.0.0.1:${config.PSP_SANDBOX_PORT}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    VNPAY_URL: config.VNPAY_URL ?? sandboxUrl,
    MOMO_URL: config.MOMO_URL ?? sandboxUrl,
    ZALOPAY_URL: config.ZALOPAY_URL ?? sandboxUrl,
    PAYOS_URL: config.PAYOS_URL ?? sandboxUrl,
    PAYOS_PAYOUT_URL: config.PAYOS_PAYOUT_URL ?? sandboxUrl,
    PUBLIC_BASE_URL: config.PUBLIC_BASE_URL ?? apiUrl,
    LOG_PRETTY: process.env.LOG_PRETTY ?? String(Boolean(process.stdout.isTTY)),
  };
  // The sandbox serves every rail not aimed elsewhere, with the credentials the engine uses.
  const railUrls = {
    vnpay: config.VNPAY_URL,
    momo: config.MOMO_URL,
    zalopay: config.ZALOPAY_URL,
    payos: config.PAYOS_URL,
  };
  const sandboxRails = [
    ...config.PAYMENT_RAILS.filter((rail) => !railUrls[rail]),
    ...(config.PAYOS_PAYOUT_URL ? [] : ['payOS payouts']),
  ];
  if (sandboxRails.length > 0) {
    startService('psp', 'sandbox/main.ts', {
      ...env,
      PSP_SANDBOX_DATA_FILE: config.PSP_SANDBOX_DATA_FILE ?? join(dataDir, 'psp-sandbox.json'),
    });
  }
  startService('worker', 'worker/main.ts', {
    ...env,
    NODE_OPTIONS: workerNodeOptions(config.WORKER_HEAP_MIB, env.NODE_OPTIONS),
  });
  const api = startService('api', 'api/main.ts', env);
  await waitForHttp(`${apiUrl}/readyz`, 120_000, api);

  const line = '─'.repeat(64);
  const banner = [
    line,
    ' Escrow engine is running (Ctrl-C stops everything)',
    line,
    ` API            ${apiUrl}`,
    ` API docs       ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`,
    ` Health         ${apiUrl}/readyz`,
    ` Ops console    ${apiUrl}/ops   (log in with the ops key below${config.OPS_KEYS.length > 0 ? ' or a named key of OPS_KEYS' : ''})`,
    ` Metrics        ${apiUrl}/metrics${config.WORKER_METRICS_PORT > 0 ? `   (worker: http://${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}/metrics)` : ''}`,
    ` Temporal UI    ${temporal.uiUrl ?? '(external Temporal: see its own UI)'}`,
    ` Temporal gRPC  ${temporal.address}`,
    ` Codec endpoint ${apiUrl}/codec   (Temporal UI payload decoding; ops key as Bearer)`,
    ` Postgres       ${databaseUrl}`,
    ` Sandbox PSP    ${sandboxRails.length > 0 ? `${sandboxUrl} (${sandboxRails.join(', ')})` : '(not started: every rail is real)'}`,
    ` Ops API key    ${config.OPS_API_KEY}`,
    line,
  ];
  for (const text of banner) process.stdout.write(`${text}\n`);
} catch (error) {
  say(
    error instanceof PortInUseError ||
      error instanceof PostgresSetupError ||
      error instanceof MigrationMismatchError
      ? error.message
      : `start-up failed: ${error instanceof Error ? error.stack : String(error)}`,
  );
  await shutdown(1);
}
