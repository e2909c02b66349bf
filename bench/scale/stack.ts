import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { repoRoot } from '../../devstack/paths.js';
import { freePort } from '../../devstack/ports.js';
import { spawnService, waitForHttp } from '../../devstack/services.js';
import { startThrowawayServers } from '../../devstack/throwaway-servers.js';
import { stopChild } from '../../devstack/watchdog.js';
import { type Config, parseConfig } from '../../infra/config.js';
import { createSql } from '../../infra/db.js';
import { migrate } from '../../infra/migrate.js';
import { workerNodeOptions } from '../../worker/options.js';
import { childProcessOf } from './process-memory.js';

export interface ScaleStack {
  apiUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  /** The worker's own node process (not the watchdog shell in front of it). */
  workerPid: number;
  /** The configuration the worker runs with (this environment's WORKER_* settings). */
  workerConfig: Config;
}

/**
 * Postgres, Temporal, the sandbox PSP, and the worker and API as processes of their own, the
 * worker on a prebuilt workflow bundle as in production. Whatever started is pushed on `stops`.
 */
export async function startScaleStack(stops: Array<() => Promise<unknown>>): Promise<ScaleStack> {
  const servers = await startThrowawayServers('bench-scale', { durable: true });
  stops.push(servers.stop);
  const { postgres, temporal } = servers;
  const sql = createSql(postgres.url(), { max: 1 });
  await migrate(sql);
  await sql.end();
  const bundlePath = join(servers.dir, 'workflow-bundle.js');
  const bundled = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/bundle-workflows.ts', bundlePath],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  if (bundled.status !== 0) throw new Error(`workflow bundle failed: ${bundled.stderr}`);

  const [apiPort, pspPort, healthPort] = [await freePort(), await freePort(), await freePort()];
  const taskQueue = `bench-scale-${randomUUID()}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    DATABASE_URL: postgres.url(),
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    WORKER_METRICS_PORT: '0',
    PORT: String(apiPort),
    PSP_SANDBOX_PORT: String(pspPort),
  };
  const children: ChildProcess[] = [];
  stops.unshift(() => Promise.all(children.map((child) => stopChild(child))));
  const log = (name: string) => (line: string) => {
    if (/"level":(50|60)|error/i.test(line)) process.stderr.write(`${name}| ${line}\n`);
  };
  const psp = spawnService('sandbox/main.ts', env, log('psp'));
  children.push(psp);
  const workerConfig = parseConfig(env);
  const worker = spawnService(
    'worker/main.ts',
    {
      ...env,
      WORKER_HEALTH_PORT: String(healthPort),
      NODE_OPTIONS: workerNodeOptions(workerConfig.WORKER_HEAP_MIB, env.NODE_OPTIONS),
    },
    log('worker'),
  );
  children.push(worker);
  const api = spawnService('api/main.ts', env, log('api'));
  children.push(api);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await Promise.all([
    waitForHttp(`http://127.0.0.1:${pspPort}/_sandbox/payments`, 120_000, psp),
    waitForHttp(`http://127.0.0.1:${healthPort}/healthz`, 120_000, worker),
    waitForHttp(`${apiUrl}/readyz`, 120_000, api),
  ]);
  const workerPid = worker.pid && childProcessOf(worker.pid, 'worker/main.ts');
  if (!workerPid) throw new Error("the worker's node process was not found under its watchdog");
  return {
    apiUrl,
    databaseUrl: postgres.url(),
    temporalAddress: temporal.address,
    taskQueue,
    workerPid,
    workerConfig,
  };
}
