// npm run bench:api — throughput and latency of POST /v1/escrows and GET /v1/escrows/{id},
// with GET /healthz on the same server as the baseline, in one run. By default it starts its
// own stack (temporary Postgres, Temporal dev server, and the real API and worker processes);
// BENCH_API_URL=http://127.0.0.1:3000 measures a running `npm run dev` instead. Loopback only,
// each phase runs for a bounded time, then a table and one JSON line are printed. On its own
// stack it also says where a create's time goes: CPU per create of each process (API, worker,
// Temporal, Postgres) and, from a sample of the created escrows' histories, the workflow's
// tasks and activities up to the payment link.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, type IncomingMessage, request } from 'node:http';
import { Connection } from '@temporalio/client';
import { freePort } from '../devstack/ports.js';
import { spawnService, waitForHttp } from '../devstack/services.js';
import { startThrowawayServers } from '../devstack/throwaway-servers.js';
import { stopChild } from '../devstack/watchdog.js';
import { loadConfig } from '../infra/config.js';
import { createSql } from '../infra/db.js';
import { migrate } from '../infra/migrate.js';
import { workerNodeOptions } from '../worker/options.js';
import { createBreakdown, timingTable } from './lifecycle/history-timing.js';
import { cpuMsByService, STACK_SERVICES } from './process-cpu.js';
import { percentile } from './stats.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** How many of the created escrows' histories the breakdown reads. */
const SAMPLE = Number(process.env.BENCH_HISTORY_SAMPLE ?? 40);
// This bench runs no sandbox PSP process of its own.
const SERVICES = STACK_SERVICES.filter(([name]) => name !== 'psp');
const config = loadConfig();
const OPS_KEY = config.OPS_API_KEY;

interface Phase {
  name: string;
  requests: number;
  perSec: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Starts a throwaway stack: Postgres, Temporal, and the API and worker as real processes. */
async function startStack(
  stops: Array<() => Promise<unknown>>,
): Promise<{ url: string; temporalAddress: string }> {
  const servers = await startThrowawayServers('bench-api', { durable: true });
  const { postgres, temporal } = servers;
  stops.push(servers.stop);
  const sql = createSql(postgres.url(), { max: 1 });
  await migrate(sql);
  await sql.end();

  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    DATABASE_URL: postgres.url(),
    DATABASE_POOL_SIZE: '20',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
    PORT: String(port),
    PSP_SANDBOX_PORT: String(await freePort()),
    WORKER_HEALTH_PORT: String(await freePort()),
  };
  const children: ChildProcess[] = [];
  const log = (name: string) => (line: string) => {
    if (/"level":(50|60)|error/i.test(line)) process.stderr.write(`${name}| ${line}\n`);
  };
  const worker = spawnService(
    'worker/main.ts',
    { ...env, NODE_OPTIONS: workerNodeOptions(config.WORKER_HEAP_MIB, env.NODE_OPTIONS) },
    log('worker'),
  );
  children.push(worker);
  const api = spawnService('api/main.ts', env, log('api'));
  children.push(api);
  stops.unshift(() => Promise.all(children.map((child) => stopChild(child))));
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`, 120_000, api);
  // The worker bundles its workflows first: on a busy machine that outlasts a create's deadline.
  await waitForHttp(`http://127.0.0.1:${env.WORKER_HEALTH_PORT}/healthz`, 180_000, worker);
  return { url, temporalAddress: temporal.address };
}

interface Target {
  method: 'GET' | 'POST';
  path: (i: number) => string;
  headers?: (i: number) => Record<string, string>;
  body?: (i: number) => string;
  expect: number;
  /** Sees each answer (its headers), e.g. to keep the ids of what was created. */
  answered?: (res: IncomingMessage) => void;
}

/** `CONNECTIONS` keep-alive connections, each sending its next request when the last answered. */
async function load(base: string, name: string, target: Target, seconds: number): Promise<Phase> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const url = new URL(base);
  const latencies: number[] = [];
  let errors = 0;
  let sequence = 0;
  const deadline = performance.now() + seconds * 1000;
  const once = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const body = target.body?.(i);
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: target.method,
          path: target.path(i),
          headers: {
            ...target.headers?.(i),
            ...(body
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
              : {}),
          },
        },
        (res) => {
          target.answered?.(res);
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const i = sequence++;
        const t0 = performance.now();
        const status = await once(i).catch(() => 0);
        latencies.push(performance.now() - t0);
        if (status !== target.expect) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    name,
    requests: latencies.length,
    perSec: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

async function json(base: string, method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, unknown>>;
}

const escrowBody = (i: number) =>
  JSON.stringify({
    reference: `bench-${i}-${randomUUID().slice(0, 8)}`,
    buyerId: `buyer_${i % 100}`,
    sellerId: `seller_${i % 10}`,
    amount: 1_500_000,
    currency: 'VND',
    description: 'Benchmark order',
    fee: 30_000,
    payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'BENCH' },
  });

const stops: Array<() => Promise<unknown>> = [];
try {
  const own = process.env.BENCH_API_URL ? undefined : await startStack(stops);
  const base = process.env.BENCH_API_URL?.replace(/\/+$/, '') ?? (own?.url as string);
  if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(base)) {
    throw new Error(`BENCH_API_URL must be a loopback http URL, got ${base}`);
  }
  const platform = await json(base, 'POST', '/v1/platforms', OPS_KEY, { name: 'Bench' });
  const auth = { authorization: `Bearer ${platform.apiKey as string}` };
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const created = await json(
      base,
      'POST',
      '/v1/escrows',
      platform.apiKey as string,
      JSON.parse(escrowBody(i)),
    );
    ids.push(created.id as string);
  }

  const baselineTarget: Target = { method: 'GET', path: () => '/healthz', expect: 200 };
  const getTarget: Target = {
    method: 'GET',
    path: (i) => `/v1/escrows/${ids[i % ids.length]}`,
    headers: () => auth,
    expect: 200,
  };
  const created: string[] = [];
  const createTarget: Target = {
    method: 'POST',
    path: () => '/v1/escrows',
    headers: () => ({ ...auth, 'idempotency-key': randomUUID() }),
    body: escrowBody,
    expect: 201,
    answered: (res) => {
      const id = /^\/v1\/escrows\/(.+)$/.exec(String(res.headers.location ?? ''))?.[1];
      if (id) created.push(id);
    },
  };
  // Warm-up (JIT, connection pools, workflow bundle), then the measured phases.
  await load(base, 'warm-up', baselineTarget, 1);
  await load(base, 'warm-up', getTarget, 1);
  await load(base, 'warm-up', createTarget, 2);
  const baseline = await load(base, 'GET /healthz (baseline)', baselineTarget, SECONDS);
  const get = await load(base, 'GET /v1/escrows/{id}', getTarget, SECONDS);
  created.length = 0;
  const cpuBefore = own ? cpuMsByService(process.pid, SERVICES) : undefined;
  const create = await load(base, 'POST /v1/escrows', createTarget, SECONDS);
  const cpuAfter = own ? cpuMsByService(process.pid, SERVICES) : undefined;
  const cpuPerCreate =
    cpuBefore && cpuAfter
      ? Object.fromEntries(
          SERVICES.map(([name]) => [
            name,
            Math.round(((cpuAfter[name] ?? 0) - (cpuBefore[name] ?? 0)) / create.requests),
          ]),
        )
      : undefined;
  const breakdown = own
    ? await Connection.connect({ address: own.temporalAddress }).then((connection) =>
        createBreakdown(connection, created, SAMPLE).finally(() => connection.close()),
      )
    : undefined;

  process.stdout.write(
    `\n${base} · ${CONNECTIONS} connections · ${SECONDS} s per workload${process.env.BENCH_API_URL ? '' : ' · own stack (API and worker processes)'}\n\n`,
  );
  process.stdout.write(
    '| workload | requests | per second | p50 ms | p99 ms | errors |\n| --- | ---: | ---: | ---: | ---: | ---: |\n',
  );
  for (const row of [create, get, baseline]) {
    process.stdout.write(
      `| ${row.name} | ${row.requests} | ${row.perSec.toFixed(0)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.errors} |\n`,
    );
  }
  if (cpuPerCreate) {
    process.stdout.write(
      `\nCPU per create, ms (utime + stime from /proc, whole create phase / creates): ${Object.entries(
        cpuPerCreate,
      )
        .map(([name, ms]) => `${name} ${ms}`)
        .join(' · ')}\n`,
    );
  }
  if (breakdown) {
    process.stdout.write(
      `\nCreate in the workflow (${breakdown.sampled} histories): started → payment link Update completed p50 ${breakdown.toLinkP50.toFixed(0)} ms, p99 ${breakdown.toLinkP99.toFixed(0)} ms\n\n`,
    );
    process.stdout.write(timingTable('Spans up to the payment link', breakdown.spans));
  }
  const r = (n: number) => Math.round(n * 10) / 10;
  process.stdout.write(
    `\n${JSON.stringify({
      createPerSec: r(create.perSec),
      getPerSec: r(get.perSec),
      baselinePerSec: r(baseline.perSec),
      getP99Ms: r(get.p99),
      createP99Ms: r(create.p99),
      createP50Ms: r(create.p50),
      ...(breakdown
        ? {
            createInWorkflowP50Ms: r(breakdown.toLinkP50),
            createInWorkflowP99Ms: r(breakdown.toLinkP99),
          }
        : {}),
      ...(cpuPerCreate ? { cpuMsPerCreate: cpuPerCreate } : {}),
    })}\n`,
  );
  if (create.errors + get.errors + baseline.errors > 0) process.exitCode = 1;
} finally {
  for (const stop of stops) await stop().catch(() => {});
}
process.exit(process.exitCode ?? 0);
