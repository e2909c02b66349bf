import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { loadConfig } from '../infra/config.js';
import { APP_ROLE, createSql } from '../infra/db.js';
import { createLogger } from '../infra/logger.js';
import { migrate } from '../infra/migrate.js';
import {
  createTemporalClient,
  dataConverterFrom,
  temporalTarget,
} from '../infra/temporal-client.js';
import { installTemporalRuntime } from '../infra/temporal-runtime.js';
import { clientInterceptors } from '../infra/temporal-tracing.js';
import { startTracing } from '../infra/tracing.js';
import {
  createCollectionListing,
  createPayoutProvider,
  createProvider,
  createProviders,
} from '../psp/from-config.js';
import { providerBuilder } from '../psp/registry.js';
import { dispatcherSettings, startWebhookDispatcher } from '../webhooks/dispatcher.js';
import { ensureReconciliationSchedule } from '../workflows/reconciliation-schedule.js';
import { startWorkerHealth } from './health.js';
import { cacheMisfit, heapLimitMiB, heapUnbounded, workerOptions } from './options.js';

const config = loadConfig();
const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY, name: 'worker' });
if (!config.DATABASE_URL) {
  logger.fatal('DATABASE_URL is not set');
  process.exit(78);
}
// Observability first: the Runtime (with its Prometheus exporter) before any connection.
const metricsBindAddress =
  config.WORKER_METRICS_PORT > 0
    ? `${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}`
    : undefined;
installTemporalRuntime(logger, { metricsBindAddress });
if (metricsBindAddress)
  logger.info({ url: `http://${metricsBindAddress}/metrics` }, 'worker metrics');
const tracing = startTracing('escrow-worker');
// The cache must fit the heap V8 gave this process (whatever set it); a worker that cannot hold
// its cache would collect ever harder and then die, so it refuses to start.
const misfit = cacheMisfit(config, tracing !== undefined);
if (misfit) {
  logger.fatal(misfit);
  process.exit(78);
}
const unbounded = heapUnbounded(config);
if (unbounded) logger.warn(unbounded);

// Migrations run at start-up, as the login (the tables' owner), under an advisory lock, so
// replicas starting together wait in turn. Everything else runs as the application's role.
const owner = createSql(config.DATABASE_URL, { max: 1, applicationName: 'escrow-migrate' });
const { applied } = await migrate(owner).finally(() => owner.end());
if (applied.length > 0) logger.info({ applied }, 'migrations applied');
const sql = createSql(config.DATABASE_URL, {
  max: config.DATABASE_POOL_SIZE,
  applicationName: 'escrow-worker',
  role: APP_ROLE,
});
const temporal = temporalTarget(config);
const connection = await NativeConnection.connect(temporal.connection);
// Activities signal escrows (reconciliation); the schedule is created (or updated) here.
const client = createTemporalClient(config, { interceptors: clientInterceptors(tracing) });
const worker = await Worker.create({
  connection,
  namespace: temporal.namespace,
  // Payloads are encrypted (ENCRYPTION_KEYS); unencrypted ones from before still decode.
  dataConverter: dataConverterFrom(config),
  ...workerOptions(config, tracing),
  activities: createActivities({
    sql,
    provider: createProvider(config),
    providers: createProviders(config),
    payouts: createPayoutProvider(config),
    credentialsKey: config.CREDENTIALS_KEY,
    buildProvider: providerBuilder(config),
    listing: createCollectionListing(config),
    temporal: client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
  }),
});
await ensureReconciliationSchedule(client, {
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  everyMs: config.RECONCILE_EVERY,
  settleLagMs: config.RECONCILE_SETTLE_LAG,
});
// WORKER_HEALTH_PORT: /healthz for container health checks (200 while the worker runs).
const health =
  config.WORKER_HEALTH_PORT === undefined
    ? undefined
    : await startWorkerHealth({
        host: config.HOST,
        port: config.WORKER_HEALTH_PORT,
        state: () => worker.getState(),
      });
const webhooks = startWebhookDispatcher({ sql, logger, ...dispatcherSettings(config) });
logger.info(
  {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    address: temporal.connection.address,
    heapLimitMiB: heapLimitMiB(),
    traced: tracing !== undefined,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  },
  'worker running',
);
// Worker.run resolves after SIGINT/SIGTERM once in-flight tasks have drained.
await worker.run();
await webhooks.stop();
await health?.stop();
await client.connection.close();
await connection.close();
await sql.end({ timeout: 5 });
await tracing?.shutdown();
logger.info('worker stopped');
