// npm run bench:scale — a worker holding many open escrows, and a timer burst among them. It
// starts its own stack (bench/scale/stack.ts), opens BENCH_SCALE_ESCROWS escrows through the
// API with BENCH_SCALE_CONCURRENCY creators, and gives BENCH_SCALE_BURST of them payment
// windows that end at one shared instant, placed so that it falls late in the run while the
// creators keep going. It prints the worker's RSS at each 1,000 open, history bytes per escrow,
// how long after its deadline each of the burst was expired, and creates per second in the 30 s
// before the deadline (the baseline) against those while the burst is handled, and the cores
// each process used in those two windows (so what a create and an expiry cost, and what the
// goals would take); one JSON line last. The creators retry a 503 as the API asks. Creating
// stops at BENCH_SCALE_MAX_SECONDS; the figures then cover what was opened.
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { Connection } from '@temporalio/client';
import { formatIsoDuration } from '../domain/durations.js';
import { createSql, type Sql } from '../infra/db.js';
import { escrowWorkflowId } from '../workflows/client.js';
import { createBreakdown, expiryBreakdown, timingTable } from './lifecycle/history-timing.js';
import { CPU_USERS, startCpuTimeline } from './scale/cpu-timeline.js';
import { rssMiB } from './scale/process-memory.js';
import { type ScaleStack, startScaleStack } from './scale/stack.js';
import { percentile } from './stats.js';

const ESCROWS = Number(process.env.BENCH_SCALE_ESCROWS ?? 10_000);
const MAX_SECONDS = Number(process.env.BENCH_SCALE_MAX_SECONDS ?? 1_800);
const CONCURRENCY = Number(process.env.BENCH_SCALE_CONCURRENCY ?? 16);
const BURST = Number(process.env.BENCH_SCALE_BURST ?? 1_000);
/** The API's shortest payment window, and a margin for the request's way to the workflow. */
const MIN_WINDOW_MS = 61_000;
/** The baseline: creates finished in this long before the shared deadline. */
const BEFORE_MS = 30_000;
/** The burst is measured over at least this long after the deadline. */
const MIN_DURING_MS = 5_000;
/** The expiry-lag goal (issue 15): every burst escrow acted on this soon after the deadline. */
const GOAL_LAG_MS = 5_000;
/** The burst goal: creates during the burst at least this share of those before it. */
const GOAL_CREATE_RATIO = 0.7;
/** Given up on burst escrows not expired this long after the deadline. */
const BURST_TIMEOUT_MS = 120_000;
const HISTORY_SAMPLE = 20;

interface Create {
  id: string;
  startedAt: number;
  doneAt: number;
}
interface BurstEscrow {
  id: string;
  /** Its own deadline, as the workflow set it (its start plus the window). */
  deadline: number;
}

const escrowBody = (i: number, paymentWindow: string) => ({
  reference: `scale-${i}-${randomUUID().slice(0, 8)}`,
  buyerId: `buyer_${i % 500}`,
  sellerId: `seller_${i % 50}`,
  amount: 1_500_000,
  currency: 'VND',
  description: 'Scale benchmark order',
  fee: 30_000,
  payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'BENCH' },
  windows: { paymentWindow },
});

/** A 503 (engine busy) or 409 (same key still in flight) is retried this often, as told. */
const MAX_RETRIES = 5;

/**
 * POSTs as a platform would: a 503 or 409 is retried with the same Idempotency-Key after its
 * Retry-After, as the API asks (`onRetry` counts them); any other failure throws.
 */
async function post(
  base: string,
  path: string,
  token: string,
  body: unknown,
  onRetry: () => void = () => {},
) {
  const key = randomUUID();
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(body),
    });
    if (response.ok) return response.json() as Promise<Record<string, unknown>>;
    const text = await response.text();
    if (attempt >= MAX_RETRIES || (response.status !== 503 && response.status !== 409)) {
      throw new Error(`POST ${path}: ${response.status} ${text}`);
    }
    onRetry();
    const seconds = Number(response.headers.get('retry-after') ?? 1);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}

/** Opens the escrows; the burst's shared deadline is set once the run is far enough along. */
async function openEscrows(stack: ScaleStack, sql: Sql, apiKey: string, startedAt: number) {
  const stopAt = startedAt + MAX_SECONDS * 1000;
  const creates: Create[] = [];
  const openIds: string[] = [];
  const burst: BurstEscrow[] = [];
  const rssAt1k: number[] = [rssMiB(stack.workerPid)];
  let claimed = 0;
  let errors = 0;
  let retries = 0;
  let sharedDeadline: number | undefined;
  let burstClaimed = 0;
  let burstClosed = BURST === 0;
  let burstDone = BURST === 0;

  const recentRate = (now: number) => {
    const since = Math.max(startedAt, now - 30_000);
    const done = creates.filter((c) => c.doneAt >= since).length;
    return Math.max(1, done / Math.max(1, (now - since) / 1000));
  };
  /** Starts the burst when what is left to create covers its creation, window and aftermath. */
  const maybeStartBurst = (now: number) => {
    if (sharedDeadline !== undefined || burstClosed) return;
    if (openIds.length < Math.min(1000, ESCROWS / 4)) return;
    const rate = recentRate(now);
    const creatingMs = ((BURST / rate) * 1.3 + 1) * 1000;
    const neededMs = creatingMs + MIN_WINDOW_MS + MIN_DURING_MS + 10_000;
    if (ESCROWS - claimed > (neededMs / 1000) * rate && now + neededMs < stopAt) return;
    sharedDeadline = Math.round(now + creatingMs + MIN_WINDOW_MS);
  };
  /** This create's payment window: to the shared deadline while the burst is being created. */
  const windowFor = (now: number): { window: string; inBurst: boolean } => {
    maybeStartBurst(now);
    if (sharedDeadline !== undefined && !burstClosed) {
      const left = sharedDeadline - now;
      if (burstClaimed < BURST && left >= MIN_WINDOW_MS) {
        burstClaimed++;
        return { window: formatIsoDuration(left), inBurst: true };
      }
      burstClosed = true;
    }
    return { window: 'P1D', inBurst: false };
  };

  const creator = async () => {
    for (;;) {
      const now = Date.now();
      if (now >= stopAt || (claimed >= ESCROWS && burstDone)) return;
      const i = claimed++;
      const { window, inBurst } = windowFor(now);
      try {
        const created = await post(
          stack.apiUrl,
          '/v1/escrows',
          apiKey,
          escrowBody(i, window),
          () => {
            retries++;
          },
        );
        const id = created.id as string;
        creates.push({ id, startedAt: now, doneAt: Date.now() });
        openIds.push(id);
        if (inBurst) {
          const deadlines = created.deadlines as Record<string, string>;
          burst.push({ id, deadline: Date.parse(deadlines.paymentWindow ?? '') });
        }
        if (openIds.length % 1000 === 0) rssAt1k.push(rssMiB(stack.workerPid));
      } catch (error) {
        errors++;
        if (errors <= 5) process.stderr.write(`create ${i}: ${String(error)}\n`);
        if (inBurst) burstClaimed--;
      }
    }
  };

  // Watches the burst: done when every burst escrow is expired (or given up on).
  let rssDuringBurstMiB = 0;
  const watchBurst = async () => {
    while (!burstDone) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = Date.now();
      if (sharedDeadline === undefined || now < sharedDeadline - 1000) {
        if (now >= stopAt) burstDone = true;
        continue;
      }
      rssDuringBurstMiB = Math.max(rssDuringBurstMiB, rssMiB(stack.workerPid));
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from escrow_events
         where type = 'expired' and escrow_id = any(${burst.map((b) => b.id)})`;
      const creating = !burstClosed && burstClaimed > burst.length;
      if ((!creating && (row?.n ?? 0) >= burst.length) || now > sharedDeadline + BURST_TIMEOUT_MS)
        burstDone = true;
    }
  };
  await Promise.all([...Array.from({ length: CONCURRENCY }, creator), watchBurst()]);
  return { creates, openIds, burst, rssAt1k, errors, retries, sharedDeadline, rssDuringBurstMiB };
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const r2 = (n: number) => Math.round(n * 100) / 100;

const stops: Array<() => Promise<unknown>> = [];
try {
  const load = loadavg().map(r1);
  const stack = await startScaleStack(stops);
  const platform = await post(stack.apiUrl, '/v1/platforms', stack.workerConfig.OPS_API_KEY, {
    name: 'Scale bench',
  });
  const sql = createSql(stack.databaseUrl, { max: 1 });
  stops.unshift(() => sql.end({ timeout: 5 }));
  const cpu = startCpuTimeline();
  const startedAt = Date.now();
  const run = await openEscrows(stack, sql, platform.apiKey as string, startedAt);
  cpu.stop();
  const createSeconds = (Date.now() - startedAt) / 1000;
  const { creates, openIds, burst, rssAt1k, sharedDeadline } = run;
  const rssEndMiB = rssMiB(stack.workerPid);

  // Expiry lag: each burst escrow's `expired` event against its own deadline and the shared one.
  const expired = await sql<{ escrow_id: string; occurred_at: Date }[]>`
    select escrow_id, occurred_at from escrow_events
     where type = 'expired' and escrow_id = any(${burst.map((b) => b.id)})`;
  const actedAt = new Map(expired.map((e) => [e.escrow_id, e.occurred_at.getTime()]));
  const lags = burst
    .filter((b) => actedAt.has(b.id))
    .map((b) => (actedAt.get(b.id) ?? 0) - b.deadline)
    .sort((a, b) => a - b);
  const lastActed = actedAt.size > 0 ? Math.max(...actedAt.values()) : Number.NaN;
  const deadlineSpreadMs =
    burst.length > 0 ? Math.max(...burst.map((b) => b.deadline)) - (sharedDeadline ?? 0) : 0;

  // Creates before the deadline (the baseline) and while the burst is handled.
  const during = Math.max(lastActed - (sharedDeadline ?? 0), MIN_DURING_MS);
  const window = (from: number, to: number) => {
    const done = creates.filter((c) => c.doneAt >= from && c.doneAt < to);
    const latencies = creates
      .filter((c) => c.startedAt >= from && c.startedAt < to)
      .map((c) => c.doneAt - c.startedAt)
      .sort((a, b) => a - b);
    return {
      perSec: done.length / ((to - from) / 1000),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  };
  const deadline = sharedDeadline ?? Number.NaN;
  const before = window(deadline - BEFORE_MS, deadline);
  const inBurst = window(deadline, deadline + during);

  // What the machine spent on each: CPU per create before the burst, then per expiry during it
  // (what the creates still made took out at their earlier cost), and what the goals would take.
  const coresBefore = cpu.coresBetween(deadline - BEFORE_MS, deadline);
  const coresDuring = cpu.coresBetween(deadline, deadline + during);
  const allCores = (cores: Record<string, number>) =>
    Object.values(cores).reduce((sum, c) => sum + c, 0);
  const cpuMsPerCreate = (allCores(coresBefore) * 1000) / before.perSec;
  const cpuMsPerExpiry =
    (allCores(coresDuring) * during - inBurst.perSec * (during / 1000) * cpuMsPerCreate) /
    Math.max(1, lags.length);
  const coresForGoals =
    ((burst.length / (GOAL_LAG_MS / 1000)) * cpuMsPerExpiry +
      GOAL_CREATE_RATIO * before.perSec * cpuMsPerCreate) /
    1000;

  // Where a create's time goes before and during the burst, and an expiry's (from its timer).
  const connection = await Connection.connect({ address: stack.temporalAddress });
  stops.unshift(() => connection.close());
  const startedIn = (from: number, to: number) =>
    creates.filter((c) => c.startedAt >= from && c.startedAt < to).map((c) => c.id);
  const createsBefore = await createBreakdown(
    connection,
    startedIn(deadline - BEFORE_MS, deadline),
    HISTORY_SAMPLE,
  );
  const createsDuring = await createBreakdown(
    connection,
    startedIn(deadline, deadline + during),
    HISTORY_SAMPLE,
  );
  const expirySpans = await expiryBreakdown(
    connection,
    burst.map((b) => b.id),
  );

  // History size of a sample of the long-window escrows (still open) and of expired ones.
  const burstIds = new Set(burst.map((b) => b.id));
  const open = openIds.filter((id) => !burstIds.has(id));
  const history = async (ids: string[]) => {
    const infos = await Promise.all(
      ids.map(async (id) => {
        const { workflowExecutionInfo: info } =
          await connection.workflowService.describeWorkflowExecution({
            namespace: stack.workerConfig.TEMPORAL_NAMESPACE,
            execution: { workflowId: escrowWorkflowId(id) },
          });
        return { bytes: Number(info?.historySizeBytes ?? 0), events: Number(info?.historyLength) };
      }),
    );
    const mean = (pick: (x: (typeof infos)[number]) => number) =>
      infos.reduce((sum, x) => sum + pick(x), 0) / Math.max(1, infos.length);
    return { bytes: Math.round(mean((x) => x.bytes)), events: r1(mean((x) => x.events)) };
  };
  const step = Math.max(1, Math.floor(open.length / HISTORY_SAMPLE));
  const openHistory = await history(open.filter((_, i) => i % step === 0).slice(0, HISTORY_SAMPLE));
  const expiredHistory = await history(burst.slice(0, 5).map((b) => b.id));

  const cache = stack.workerConfig.WORKER_MAX_CACHED_WORKFLOWS;
  // Memory per cached escrow: RSS growth while the cache fills (up to the 1k mark nearest it).
  const fullAt = Math.min(Math.max(1, Math.round(cache / 1000)), rssAt1k.length - 1);
  const rssPerCachedKiB =
    fullAt > 0
      ? (((rssAt1k[fullAt] ?? 0) - (rssAt1k[0] ?? 0)) * 1024) / Math.min(cache, fullAt * 1000)
      : Number.NaN;
  const after2k = rssAt1k.length > 2 ? (rssEndMiB - (rssAt1k[2] ?? 0)) * 1024 : Number.NaN;
  const rssAfter2kKiBPerEscrow = after2k / Math.max(1, openIds.length - 2000);

  const out = (text: string) => process.stdout.write(`${text}\n`);
  out('');
  out(
    `${openIds.length} escrows opened in ${createSeconds.toFixed(0)} s · ${CONCURRENCY} creators · worker: cache ${cache}, ${stack.workerConfig.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS} workflow tasks / ${stack.workerConfig.WORKER_MAX_CONCURRENT_ACTIVITIES} activities at once · load ${load.join(' ')} before, ${loadavg().map(r1).join(' ')} after`,
  );
  out('');
  out('| open escrows | worker RSS MiB |\n| ---: | ---: |');
  rssAt1k.forEach((rss, k) => {
    out(`| ${(k * 1000).toLocaleString('en')} | ${rss.toFixed(0)} |`);
  });
  out(`| ${openIds.length.toLocaleString('en')} (end) | ${rssEndMiB.toFixed(0)} |`);
  out('');
  out(
    `RSS per cached escrow while the cache fills: ${rssPerCachedKiB.toFixed(0)} KiB; after 2k: ${rssAfter2kKiBPerEscrow.toFixed(1)} KiB per escrow; max during the burst ${run.rssDuringBurstMiB.toFixed(0)} MiB`,
  );
  out(
    `history per open escrow: ${openHistory.bytes} bytes, ${openHistory.events} events (sample of ${Math.min(open.length, HISTORY_SAMPLE)}); an expired one: ${expiredHistory.bytes} bytes, ${expiredHistory.events} events`,
  );
  out(
    `burst: ${burst.length} payment windows ending at ${Number.isNaN(deadline) ? 'never (none created)' : new Date(deadline).toISOString()} (own deadlines up to ${deadlineSpreadMs} ms later), ${lags.length} expired; lag after each one's deadline p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms, max ${lags.at(-1)} ms; the last ${lastActed - deadline} ms after the shared instant`,
  );
  out('');
  out('| creates | per second | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: |');
  out(
    `| ${BEFORE_MS / 1000} s before the deadline (baseline) | ${before.perSec.toFixed(1)} | ${before.p50.toFixed(0)} | ${before.p99.toFixed(0)} |`,
  );
  out(
    `| during the burst (${(during / 1000).toFixed(1)} s) | ${inBurst.perSec.toFixed(1)} | ${inBurst.p50.toFixed(0)} | ${inBurst.p99.toFixed(0)} |`,
  );
  out(
    `creates answered 503 or 409 and retried with the same Idempotency-Key: ${run.retries}; failed: ${run.errors}`,
  );
  out('');
  out(
    `| CPU, cores (utime + stime from /proc) | ${BEFORE_MS / 1000} s before the deadline | during the burst |\n| --- | ---: | ---: |`,
  );
  for (const user of CPU_USERS) {
    out(`| ${user} | ${coresBefore[user].toFixed(2)} | ${coresDuring[user].toFixed(2)} |`);
  }
  out(
    `| all (this machine has ${availableParallelism()}) | ${allCores(coresBefore).toFixed(2)} | ${allCores(coresDuring).toFixed(2)} |`,
  );
  out('');
  out(
    `CPU per create before the burst ${cpuMsPerCreate.toFixed(0)} ms, per expiry during it ${cpuMsPerExpiry.toFixed(0)} ms (all processes); ${burst.length} expiries within ${GOAL_LAG_MS / 1000} s with creates at ${GOAL_CREATE_RATIO}× would take about ${coresForGoals.toFixed(1)} cores at these costs`,
  );
  out('');
  out(
    `create in the workflow (started → payment link): before p50 ${createsBefore.toLinkP50} ms, p99 ${createsBefore.toLinkP99} ms; during the burst p50 ${createsDuring.toLinkP50} ms, p99 ${createsDuring.toLinkP99} ms`,
  );
  out('');
  out(timingTable('Spans of a create before the deadline', createsBefore.spans));
  out(timingTable('Spans of a create during the burst', createsDuring.spans));
  out(timingTable("Spans of a burst escrow's expiry (from its timer)", expirySpans));
  out(
    JSON.stringify({
      openEscrows: openIds.length,
      workerRssMiB: Math.round(rssEndMiB),
      historyBytesPerEscrow: openHistory.bytes,
      expiryLagP50Ms: percentile(lags, 50),
      expiryLagP99Ms: percentile(lags, 99),
      expiryLagP100Ms: lags.at(-1) ?? null,
      burstEscrows: burst.length,
      burstExpired: lags.length,
      burstCreateRatio: Math.round((inBurst.perSec / before.perSec) * 100) / 100,
      createsPerSecBefore: r1(before.perSec),
      createsPerSecDuring: r1(inBurst.perSec),
      createP99MsBefore: before.p99,
      createP99MsDuring: inBurst.p99,
      createInWorkflowP50MsBefore: createsBefore.toLinkP50,
      createInWorkflowP50MsDuring: createsDuring.toLinkP50,
      cpuCoresBefore: r2(allCores(coresBefore)),
      cpuCoresDuring: r2(allCores(coresDuring)),
      cpuMsPerCreate: Math.round(cpuMsPerCreate),
      cpuMsPerExpiry: Math.round(cpuMsPerExpiry),
      coresForGoals: r1(coresForGoals),
      workerRssMiBAt1k: rssAt1k.map(Math.round),
      workerRssMaxBurstMiB: Math.round(run.rssDuringBurstMiB),
      rssPerCachedEscrowKiB: Math.round(rssPerCachedKiB),
      maxCachedWorkflows: cache,
      createErrors: run.errors,
      createRetries: run.retries,
      seconds: Math.round(createSeconds),
    }),
  );
  if (run.errors > 0 || lags.length < burst.length) process.exitCode = 1;
} finally {
  for (const stop of stops) await stop().catch(() => {});
}
process.exit(process.exitCode ?? 0);
