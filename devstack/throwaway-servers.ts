import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onFreePort } from './ports.js';
import { type PostgresServer, startPostgres } from './postgres-server.js';
import { startTemporal, type TemporalServer } from './temporal-server.js';

export interface ThrowawayServers {
  postgres: PostgresServer;
  temporal: TemporalServer;
  /** A fresh temporary folder, removed by `stop`: Postgres's data is in it, and room for more. */
  dir: string;
  stop: () => Promise<void>;
}

/**
 * Postgres and a headless Temporal dev server on free loopback ports, for tests, benchmarks and
 * the fuzzer. Started side by side; when one fails, whatever started is stopped again.
 * `durable: false` trades crash safety for speed (tests); benchmarks measure durable commits.
 */
export async function startThrowawayServers(
  name: string,
  { durable = false } = {},
): Promise<ThrowawayServers> {
  const dir = await mkdtemp(join(tmpdir(), `escrow-${name}-`));
  // Postgres runs as the `postgres` user when we are root: it must be able to enter the folder.
  await chmod(dir, 0o755);
  const [postgres, temporal] = await Promise.allSettled([
    onFreePort((port) => startPostgres({ dataDir: join(dir, 'pg'), port, fast: !durable })),
    onFreePort((port) => startTemporal({ port })),
  ]);
  const stop = async () => {
    await Promise.allSettled(
      [postgres, temporal].map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)),
    );
    await rm(dir, { recursive: true, force: true });
  };
  if (postgres.status === 'rejected' || temporal.status === 'rejected') {
    await stop();
    throw postgres.status === 'rejected'
      ? postgres.reason
      : (temporal as PromiseRejectedResult).reason;
  }
  return { postgres: postgres.value, temporal: temporal.value, dir, stop };
}
