// Ledger throughput: entries/s and latency of release-with-fee entries (three postings) on
// distinct escrows, and with every entry also on one hot platform-fee account, against plain
// single-row INSERT transactions on the same Postgres. Durable settings: every entry is a real
// commit. Uses DATABASE_URL when set, otherwise starts (and stops) an embedded Postgres.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../devstack/ports.js';
import { startPostgres } from '../devstack/postgres-server.js';
import { loadConfig } from '../infra/config.js';
import { createSql, type Sql } from '../infra/db.js';
import { migrate } from '../infra/migrate.js';
import { type EntryInput, entryPayload, postEntry } from '../ledger/postings.js';

const CELL_MS = Number(process.env.LEDGER_BENCH_CELL_MS ?? 3000);
const CONCURRENCIES = [1, 8, 32];
const CURRENCY = 'VND';
const ESCROW_AMOUNT = 1_000_000n;
const FEE = 25_000n;
/** Funded escrows per worker and cell: more than a worker can release in CELL_MS. */
const ESCROWS_PER_WORKER = (concurrency: number) =>
  Math.ceil(((concurrency === 1 ? 4000 : 9000) * CELL_MS) / 1000 / concurrency);

interface CellResult {
  scenario: string;
  concurrency: number;
  ops: number;
  perSec: number;
  p50: number;
  p99: number;
}

const runId = Date.now().toString(36);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/** `concurrency` workers each run `op` back to back until the time is up or their work runs out. */
async function runCell(
  scenario: string,
  concurrency: number,
  op: (worker: number, i: number) => Promise<boolean>,
): Promise<CellResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + CELL_MS;
  let finished = started;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        if (!(await op(worker, i))) break;
        const t1 = performance.now();
        latencies.push(t1 - t0);
        finished = Math.max(finished, t1);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const seconds = (finished - started) / 1000;
  return {
    scenario,
    concurrency,
    ops: latencies.length,
    perSec: Math.round(latencies.length / seconds),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const escrowId = (cell: string, worker: number, i: number) => `esc_${runId}_${cell}_${worker}_${i}`;

/** Untimed set-up: funds every escrow a cell may release, many entries per statement. */
async function fundEscrows(
  sql: Sql,
  cell: string,
  concurrency: number,
  platformOf: (worker: number) => string,
): Promise<void> {
  const entries: Record<string, unknown>[] = [];
  for (let worker = 0; worker < concurrency; worker++) {
    for (let i = 0; i < ESCROWS_PER_WORKER(concurrency); i++) {
      const id = escrowId(cell, worker, i);
      const entry: EntryInput = {
        platformId: platformOf(worker),
        idempotencyKey: `fund:${id}`,
        kind: 'funding',
        postings: [
          { account: { kind: 'psp_clearing', currency: CURRENCY }, amount: -ESCROW_AMOUNT },
          {
            account: { kind: 'escrow_holding', escrowId: id, currency: CURRENCY },
            amount: ESCROW_AMOUNT,
          },
        ],
      };
      entries.push(entryPayload(entry, 'final'));
    }
  }
  for (let start = 0; start < entries.length; start += 1000) {
    const batch = entries.slice(start, start + 1000);
    await sql`select ledger_post(value) from jsonb_array_elements(${sql.json(batch as never)})`;
  }
}

async function releaseCell(
  sql: Sql,
  scenario: 'distinct' | 'hot',
  concurrency: number,
): Promise<CellResult> {
  const cell = `${scenario}${concurrency}`;
  // distinct: each worker's fee account is its own platform's; hot: all share one platform's.
  const platformOf = (worker: number) =>
    scenario === 'hot' ? `plt_${runId}_hot` : `plt_${runId}_${cell}_${worker}`;
  await fundEscrows(sql, cell, concurrency, platformOf);
  const perWorker = ESCROWS_PER_WORKER(concurrency);
  return runCell(scenario, concurrency, async (worker, i) => {
    if (i >= perWorker) return false;
    const id = escrowId(cell, worker, i);
    const platformId = platformOf(worker);
    await postEntry(sql, {
      platformId,
      idempotencyKey: `release:${id}`,
      kind: 'release',
      postings: [
        {
          account: { kind: 'escrow_holding', escrowId: id, currency: CURRENCY },
          amount: -ESCROW_AMOUNT,
        },
        {
          account: {
            kind: 'seller_payable',
            platformId,
            sellerId: `sel_${worker}`,
            currency: CURRENCY,
          },
          amount: ESCROW_AMOUNT - FEE,
        },
        { account: { kind: 'platform_fee_revenue', platformId, currency: CURRENCY }, amount: FEE },
      ],
    });
    return true;
  });
}

async function baselineCell(sql: Sql, concurrency: number): Promise<CellResult> {
  return runCell('baseline', concurrency, async (worker, i) => {
    await sql`insert into ledger_bench_baseline (k, amount) values (${`${worker}:${i}`}, ${String(FEE)}::int8)`;
    return true;
  });
}

async function withDatabase<T>(run: (url: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  if (config.DATABASE_URL) return run(config.DATABASE_URL);
  const dir = await mkdtemp(join(tmpdir(), 'ledger-bench-'));
  // Postgres runs as the `postgres` user when we are root: it must be able to enter the folder.
  await chmod(dir, 0o755);
  const server = await startPostgres({
    dataDir: join(dir, 'pg'),
    port: await freePort(),
    fast: false,
  });
  try {
    return await run(server.url());
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const results = await withDatabase(async (url) => {
  const sql = createSql(url, {
    max: Math.max(...CONCURRENCIES) + 2,
    applicationName: 'escrow-bench',
  });
  try {
    await migrate(sql);
    await sql`create table if not exists ledger_bench_baseline (
      id bigint generated always as identity primary key, k text not null, amount bigint not null)`;
    const cells: CellResult[] = [];
    for (const concurrency of CONCURRENCIES) {
      cells.push(await baselineCell(sql, concurrency));
      cells.push(await releaseCell(sql, 'distinct', concurrency));
      cells.push(await releaseCell(sql, 'hot', concurrency));
    }
    await sql`drop table ledger_bench_baseline`;
    const [settings] = await sql<{ fsync: string; synchronous_commit: string }[]>`
      select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit`;
    process.stdout.write(
      `Postgres fsync=${settings?.fsync} synchronous_commit=${settings?.synchronous_commit}; ${CELL_MS} ms per cell\n`,
    );
    return cells;
  } finally {
    await sql.end();
  }
});

const pad = (value: string | number, width: number) => String(value).padStart(width);
process.stdout.write(
  `${'scenario'.padEnd(10)}${pad('conc', 6)}${pad('entries', 9)}${pad('per s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}\n`,
);
for (const r of results) {
  process.stdout.write(
    `${r.scenario.padEnd(10)}${pad(r.concurrency, 6)}${pad(r.ops, 9)}${pad(r.perSec, 9)}${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}\n`,
  );
}
const at32 = (scenario: string) =>
  results.find((r) => r.scenario === scenario && r.concurrency === 32)?.perSec ?? 0;
const summary = {
  distinctPerSec: at32('distinct'),
  hotPerSec: at32('hot'),
  baselinePerSec: at32('baseline'),
  ratio: Number((at32('distinct') / Math.max(1, at32('baseline'))).toFixed(3)),
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
