// npm run bench:cache — what one cached escrow workflow costs the worker, with the plain bundle
// and with the traced one (the OpenTelemetry workflow interceptors), in one run: N escrows are
// opened on a worker whose cache holds them all, and the heap after a full GC is compared with
// the heap before. The worker runs in debug mode (workflows on this thread, in the same reusable
// V8 context as in production) so that one heap holds both the sandbox and the SDK's side.
// worker/options.ts's CACHED_ESCROW_KIB comes from these figures and bench:scale's RSS.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
} from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { startThrowawayServers } from '../devstack/throwaway-servers.js';
import { configSchema } from '../infra/config.js';
import { createSql } from '../infra/db.js';
import { migrate } from '../infra/migrate.js';
import { dataConverterFrom } from '../infra/temporal-client.js';
import { workerTracing } from '../infra/temporal-tracing.js';
import { workflowBundleOptions } from '../infra/workflow-bundle.js';
import { startEscrow } from '../workflows/client.js';
import { benchEscrowInput, startSandboxRails } from './sandbox-rails.js';
import { runPool } from './stats.js';

const N = Number(process.env.BENCH_CACHE_ESCROWS ?? 200);
const { gc } = globalThis as { gc?: () => void };
if (!gc) throw new Error('run with node --expose-gc (npm run bench:cache does)');
const heap = () => {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage();
};
Runtime.install({ logger: new DefaultLogger('ERROR') });
const stops: Array<() => Promise<unknown>> = [];
try {
  const servers = await startThrowawayServers('bench-cache');
  stops.push(servers.stop);
  const { postgres, temporal } = servers;
  const sql = createSql(postgres.url(), { max: 10 });
  stops.unshift(() => sql.end());
  await migrate(sql);
  const { sandbox, provider, payouts } = await startSandboxRails({
    ipnUrl: 'http://127.0.0.1:9/none',
  });
  stops.unshift(sandbox.stop);
  const connection = await Connection.connect({ address: temporal.address });
  stops.unshift(() => connection.close());
  const dataConverter = dataConverterFrom(configSchema.parse({}));
  const client = new Client({ connection, dataConverter });
  const open = async (taskQueue: string, i: number) => {
    await startEscrow(
      client,
      taskQueue,
      benchEscrowInput(`esc_cache_${i}_${randomUUID().slice(0, 8)}`, i),
    );
  };
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  stops.unshift(() => nativeConnection.close());
  /** Heap and RSS per cached escrow (KiB), and this process's CPU per opened escrow (ms). */
  const measure = async (traced: boolean) => {
    const taskQueue = `bench-cache-${randomUUID()}`;
    const { code } = await bundleWorkflowCode({
      ...workflowBundleOptions(traced),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: { code },
      dataConverter,
      debugMode: true,
      maxCachedWorkflows: N + 100,
      sinks: workerTracing(undefined).sinks,
      activities: createActivities({ sql, provider, payouts, temporal: client, taskQueue }),
    });
    return worker.runUntil(async () => {
      await runPool(10, 5, (i) => open(taskQueue, -1 - i)); // warm-up: bundle load, JIT
      const before = heap();
      const cpu0 = process.cpuUsage();
      await runPool(N, 8, (i) => open(taskQueue, i));
      const cpu = process.cpuUsage(cpu0);
      const after = heap();
      const perEscrow = (k: 'heapUsed' | 'rss') => Math.round((after[k] - before[k]) / N / 1024);
      return {
        heapKiB: perEscrow('heapUsed'),
        rssKiB: perEscrow('rss'),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000 / N),
      };
    });
  };
  const plain = await measure(false);
  const traced = await measure(true);
  process.stdout.write(
    `\n${N} cached escrows each · per cached escrow: plain bundle ${plain.heapKiB} KiB heap (${plain.rssKiB} KiB RSS), ${plain.cpuMs} ms CPU to open; traced ${traced.heapKiB} KiB heap (${traced.rssKiB} KiB RSS), ${traced.cpuMs} ms\n`,
  );
  process.stdout.write(
    `${JSON.stringify({
      escrows: N,
      plainHeapKiBPerEscrow: plain.heapKiB,
      tracedHeapKiBPerEscrow: traced.heapKiB,
      plainCpuMsPerOpen: plain.cpuMs,
      tracedCpuMsPerOpen: traced.cpuMs,
      heapRatio: Math.round((traced.heapKiB / plain.heapKiB) * 100) / 100,
      cpuRatio: Math.round((traced.cpuMs / plain.cpuMs) * 100) / 100,
    })}\n`,
  );
} finally {
  for (const stop of stops) await stop().catch(() => {});
}
process.exit(0);
