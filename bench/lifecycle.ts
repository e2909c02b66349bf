// npm run bench:lifecycle — N escrows through the whole happy path (create → pay → ship →
// deliver → accept → paid out) on a Temporal dev server with the real activities, Postgres and
// the sandbox PSP; baseline in the same run: a bare workflow with the same Updates, signal and
// number of activities, doing nothing. Everything runs on loopback and stops by itself.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
} from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createApp } from '../api/app.js';
import { freePort } from '../devstack/ports.js';
import { startThrowawayServers } from '../devstack/throwaway-servers.js';
import { configSchema } from '../infra/config.js';
import { createSql } from '../infra/db.js';
import { createLogger } from '../infra/logger.js';
import { migrate } from '../infra/migrate.js';
import { dataConverterFrom } from '../infra/temporal-client.js';
import { workflowBundleOptions } from '../infra/workflow-bundle.js';
import { escrowWorkflowId, performAction, queryEscrow, startEscrow } from '../workflows/client.js';
import { baselineLink, baselinePaid, baselineStep } from './lifecycle/baseline-workflow.js';
import { historyTiming, type Span, timingTable } from './lifecycle/history-timing.js';
import { benchEscrowInput, startSandboxRails } from './sandbox-rails.js';
import { percentile, runPool } from './stats.js';

const TOTAL = Number(process.env.BENCH_ESCROWS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 12);
/** How many histories of each workload the timing breakdown reads. */
const SAMPLE = Number(process.env.BENCH_HISTORY_SAMPLE ?? 20);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const logger = createLogger({ level: 'silent', pretty: false });
const stops: Array<() => Promise<unknown>> = [];
try {
  const servers = await startThrowawayServers('bench-lifecycle', { durable: true });
  const { postgres, temporal } = servers;
  stops.push(servers.stop);
  const sql = createSql(postgres.url(), { max: 20, applicationName: 'bench' });
  stops.unshift(() => sql.end());
  await migrate(sql);

  const apiPort = await freePort();
  const {
    sandbox,
    provider,
    payouts: payoutRail,
  } = await startSandboxRails({
    ipnUrl: `http://127.0.0.1:${apiPort}/v1/psp/vnpay/callback`,
    ipnRetry: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  stops.unshift(sandbox.stop);
  const connection = await Connection.connect({ address: temporal.address });
  // Payloads encrypted as in production (the development key), for both workflows measured.
  const dataConverter = dataConverterFrom(configSchema.parse({}));
  const client = new Client({ connection, dataConverter });
  stops.unshift(() => connection.close());
  const server = serve({
    fetch: createApp({ sql, temporal: client, logger, providers: [provider] }).fetch,
    hostname: '127.0.0.1',
    port: apiPort,
  });
  stops.unshift(async () => server.close());

  const taskQueue = `bench-${randomUUID()}`;
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions(
      false,
      fileURLToPath(new URL('./lifecycle/workflows.ts', import.meta.url)),
    ),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: { code },
    dataConverter,
    activities: {
      ...createActivities({ sql, provider, payouts: payoutRail, temporal: client, taskQueue }),
      noop: async () => {},
    },
  });
  const running = worker.run();
  stops.unshift(async () => {
    worker.shutdown();
    await running;
    await nativeConnection.close();
  });

  const until = async (check: () => Promise<boolean>) => {
    while (!(await check())) await new Promise((r) => setTimeout(r, 50));
  };

  // The workflows of the measured runs, for the timing breakdown.
  const ran = { escrow: [] as string[], baseline: [] as string[] };

  const escrowRun = async (i: number) => {
    const escrowId = `esc_bench_${i}_${randomUUID().slice(0, 8)}`;
    ran.escrow.push(escrowWorkflowId(escrowId));
    const created = await startEscrow(client, taskQueue, benchEscrowInput(escrowId, i));
    const paid = await fetch(created.paymentLink.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ outcome: 'success' }),
    });
    if (!paid.ok) throw new Error(`payment failed: ${paid.status}`);
    // Funding arrives through the PSP's callback: poll for it, gently (queries cost the worker).
    await until(async () => (await queryEscrow(client, escrowId)).status === 'funded');
    await performAction(client, escrowId, 'markShipped', {
      role: 'seller',
      carrier: 'GHN',
      trackingNumber: 'B',
    });
    await performAction(client, escrowId, 'markDelivered', { role: 'platform' });
    await performAction(client, escrowId, 'accept', { role: 'buyer' });
    // A released escrow's workflow ends once the payout is settled, as the baseline's does.
    await client.workflow.getHandle(escrowWorkflowId(escrowId)).result();
    const final = await queryEscrow(client, escrowId);
    if (final.payout.status !== 'paid') throw new Error(`escrow ${escrowId} ended unpaid`);
  };

  const baselineRun = async (i: number) => {
    const workflowId = `baseline-${i}-${randomUUID().slice(0, 8)}`;
    ran.baseline.push(workflowId);
    const start = new WithStartWorkflowOperation('baselineWorkflow', {
      workflowId,
      taskQueue,
      args: [],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    await client.workflow.executeUpdateWithStart(baselineLink, { startWorkflowOperation: start });
    const handle = client.workflow.getHandle(workflowId);
    await handle.signal(baselinePaid);
    for (const step of ['ship', 'deliver', 'accept'])
      await handle.executeUpdate(baselineStep, { args: [step] });
    await handle.result();
  };

  const measure = async (name: string, run: (i: number) => Promise<void>) => {
    await runPool(Math.min(5, TOTAL), CONCURRENCY, run); // warm-up: bundle load, JIT, caches
    ran.escrow.length = 0;
    ran.baseline.length = 0;
    const started = performance.now();
    const latencies = await runPool(TOTAL, CONCURRENCY, run);
    const seconds = (performance.now() - started) / 1000;
    return {
      name,
      perSec: TOTAL / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  };

  const baseline = await measure('baseline (bare workflow)', baselineRun);
  const baselineIds = [...ran.baseline];
  const escrows = await measure('escrow happy path', escrowRun);
  const timing = async (ids: string[]) =>
    historyTiming(
      await Promise.all(
        ids.slice(0, SAMPLE).map((id) => client.workflow.getHandle(id).fetchHistory()),
      ),
    );
  const escrowSpans = await timing(ran.escrow);
  const baselineSpans = await timing(baselineIds);

  const payouts = sandbox.records.payouts().filter((p) => p.status === 'succeeded').length;
  process.stdout.write(
    `\n${TOTAL} runs each, concurrency ${CONCURRENCY}; sandbox payouts: ${payouts}\n\n`,
  );
  process.stdout.write(
    '| workload | per second | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: |\n',
  );
  for (const row of [escrows, baseline]) {
    process.stdout.write(
      `| ${row.name} | ${row.perSec.toFixed(1)} | ${row.p50.toFixed(0)} | ${row.p99.toFixed(0)} |\n`,
    );
  }
  const sampled = Math.min(SAMPLE, TOTAL);
  process.stdout.write(
    `\nWhere a run's time goes (${sampled} histories of each, event timestamps):\n\n`,
  );
  process.stdout.write(`${timingTable('escrow happy path', escrowSpans)}\n`);
  process.stdout.write(`${timingTable('baseline', baselineSpans)}`);
  const round = (n: number) => Math.round(n * 100) / 100;
  const perRun = (spans: Span[], prefix: string, suffix = '') =>
    round(
      spans
        .filter((s) => s.name.startsWith(prefix) && s.name.endsWith(suffix))
        .reduce((sum, s) => sum + s.perRun, 0),
    );
  process.stdout.write(
    `\n${JSON.stringify({
      escrowsPerSec: round(escrows.perSec),
      baselinePerSec: round(baseline.perSec),
      ratio: round(escrows.perSec / baseline.perSec),
      escrowWorkflowTasks: perRun(escrowSpans, 'workflow task: started'),
      escrowActivities: perRun(escrowSpans, 'activity ', 'started → completed'),
      escrowLocalActivities: perRun(escrowSpans, 'local activity ', ': run'),
      baselineWorkflowTasks: perRun(baselineSpans, 'workflow task: started'),
      baselineActivities: perRun(baselineSpans, 'activity ', 'started → completed'),
      baselineLocalActivities: perRun(baselineSpans, 'local activity ', ': run'),
    })}\n`,
  );
} finally {
  for (const stop of stops) await stop().catch(() => {});
}
process.exit(0);
