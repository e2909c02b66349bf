import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../../devstack/ports.js';
import { spawnService, waitForHttp } from '../../devstack/services.js';
import { startThrowawayServers } from '../../devstack/throwaway-servers.js';
import { stopChild } from '../../devstack/watchdog.js';
import { createSql } from '../../infra/db.js';
import { migrate } from '../../infra/migrate.js';
import { prefixedWriter } from './log-prefix.js';

export interface FuzzStack {
  apiUrl: string;
  opsKey: string;
  /** Stops everything this stack started, each by its own handle; safe to call twice. */
  stop: () => Promise<void>;
}

/** Only errors from the services: the fuzzer's own summary is what the reader wants. */
const errorsOnly = (name: string) => {
  const write = prefixedWriter(name);
  return (line: string) => {
    if (/"level":(50|60)|\b(ERROR|FATAL|PANIC)\b/.test(line)) write(line);
  };
};

/**
 * A throwaway copy of the whole stack on free loopback ports, as `npm run dev` runs it: a real
 * Postgres (temporary data folder) and Temporal dev server (in memory), the sandbox PSP, the
 * worker and the API, each service its own process.
 */
export async function startFuzzStack(): Promise<FuzzStack> {
  const servers = await startThrowawayServers('fuzz');
  const { postgres, temporal, dir: workDir } = servers;
  const children: ChildProcess[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await Promise.allSettled(children.map((child) => stopChild(child)));
      await servers.stop();
    })();
    return stopped;
  };
  try {
    const [apiPort, pspPort] = await Promise.all([freePort(), freePort()]);
    const admin = createSql(postgres.url(), { max: 1 });
    await admin.unsafe('create database escrow');
    await admin.end();
    const databaseUrl = postgres.url('escrow');
    const sql = createSql(databaseUrl, { max: 1 });
    await migrate(sql);
    await sql.end();

    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const opsKey = `ops_fuzz_${randomBytes(16).toString('hex')}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      PUBLIC_BASE_URL: apiUrl,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      PSP_SANDBOX_PORT: String(pspPort),
      PSP_SANDBOX_DATA_FILE: join(workDir, 'psp-sandbox.json'),
      VNPAY_URL: `http://127.0.0.1:${pspPort}`,
      OPS_API_KEY: opsKey,
      TOKEN_SECRET: randomBytes(32).toString('hex'),
    };
    for (const [name, entry] of [
      ['psp', 'sandbox/main.ts'],
      ['worker', 'worker/main.ts'],
      ['api', 'api/main.ts'],
    ] as const) {
      children.push(spawnService(entry, env, errorsOnly(name)));
    }
    await waitForHttp(`${apiUrl}/readyz`, 120_000, children.at(-1));
    return { apiUrl, opsKey, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
