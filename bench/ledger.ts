// Ledger throughput: entries/s, latency and server CPU per entry of release-with-fee entries
// (three postings) on distinct escrows, and with every entry also on one hot platform-fee
// account, group-committed (the pool's default writer) and ungrouped (the same functions, one
// entry per transaction), as the application's role. Baselines in the same run: the previous
// design (the migrations before 0120, in a database of its own: triggers, one ledger_post per
// transaction) and plain single-row INSERT transactions on the same Postgres. Durable
// settings: every commit is flushed. Uses DATABASE_URL when set, otherwise starts (and stops)
// an embedded Postgres.
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../devstack/ports.js';
import { startPostgres } from '../devstack/postgres-server.js';
import { loadConfig } from '../infra/config.js';
import { APP_ROLE, createSql, type Sql } from '../infra/db.js';
import { MIGRATIONS_DIR, migrate } from '../infra/migrate.js';
import { type EntryInput, entryPayload } from '../ledger/postings.js';
import { createLedgerWriter, type EntryResult, type LedgerWriter } from '../ledger/writer.js';

const CELL_MS = Number(process.env.LEDGER_BENCH_CELL_MS ?? 3000);
const CONCURRENCIES = (process.env.LEDGER_BENCH_CONCURRENCIES ?? '1,8,32').split(',').map(Number);
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
  /** Server CPU (all of the server's processes) per operation, µs; null when not measurable. */
  cpuUs: number | null;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/**
 * CPU time, in µs, of a local Postgres: utime + stime of every child of the postmaster from
 * /proc/<pid>/stat, plus what the postmaster collected from children that exited.
 */
async function serverCpuUs(postmaster: number | null): Promise<number | null> {
  if (postmaster === null) return null;
  const fields = async (pid: string) => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Fields after the parenthesised command name, which may itself contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  };
  const master = await fields(String(postmaster));
  if (master.length < 15) return null;
  // state is field 3; ppid 4; utime 14, stime 15, cutime 16, cstime 17 (1-based, man 5 proc).
  let ticks = Number(master[13]) + Number(master[14]);
  for (const pid of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(pid)) continue;
    const f = await fields(pid);
    if (f[1] === String(postmaster)) ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1e6) / CLOCK_TICKS;
}

/** The postmaster's pid, found as the parent of this connection's backend, if it runs here. */
async function postmasterPid(sql: Sql): Promise<number | null> {
  const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const stat = await readFile(`/proc/${row?.pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

let postmaster: number | null = null;

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
  const cpuBefore = await serverCpuUs(postmaster);
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
  const cpuAfter = await serverCpuUs(postmaster);
  latencies.sort((a, b) => a - b);
  const seconds = (finished - started) / 1000;
  return {
    scenario,
    concurrency,
    ops: latencies.length,
    perSec: Math.round(latencies.length / seconds),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuUs:
      cpuBefore === null || cpuAfter === null || latencies.length === 0
        ? null
        : Math.round((cpuAfter - cpuBefore) / latencies.length),
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

/**
 * Untimed set-up: the dead rows of earlier cells vacuumed and a checkpoint taken, so that every
 * cell starts alike instead of paying for another's autovacuum or first writes after a checkpoint.
 */
async function settle(owner: Sql): Promise<void> {
  await owner`vacuum (analyze) ledger_accounts, ledger_entries, ledger_postings`;
  await owner`checkpoint`;
}

async function releaseCell(
  sql: Sql,
  owner: Sql,
  writer: LedgerWriter,
  scenario: 'distinct' | 'hot',
  grouping: 'grouped' | 'ungrouped' | 'direct',
  concurrency: number,
): Promise<CellResult> {
  const cell = `${scenario}${grouping}${concurrency}`;
  // distinct: each worker's fee account is its own platform's; hot: all share one platform's.
  const platformOf = (worker: number) =>
    scenario === 'hot' ? `plt_${runId}_hot` : `plt_${runId}_${cell}_${worker}`;
  await fundEscrows(sql, cell, concurrency, platformOf);
  await settle(owner);
  const perWorker = ESCROWS_PER_WORKER(concurrency);
  const name = { grouped: scenario, ungrouped: `${scenario}-1`, direct: `${scenario}-old` }[
    grouping
  ];
  return runCell(name, concurrency, async (worker, i) => {
    if (i >= perWorker) return false;
    const id = escrowId(cell, worker, i);
    const platformId = platformOf(worker);
    const entry: EntryInput = {
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
    };
    // The client side of postEntry (validation, canonical JSON, hash), then the writer.
    const [settled] = await writer.post([entryPayload(entry, 'final')]);
    if (!settled?.ok) throw settled?.error;
    return true;
  });
}

async function baselineCell(sql: Sql, owner: Sql, concurrency: number): Promise<CellResult> {
  await settle(owner);
  return runCell('insert', concurrency, async (worker, i) => {
    await sql`insert into ledger_bench_baseline (k, amount) values (${`${worker}:${i}`}, ${String(FEE)}::int8)`;
    return true;
  });
}

/** The first migration of issue 15's ledger: the previous design is everything before it. */
const FIRST_NEW_MIGRATION = '0120';

/** A database of its own on the same server, migrated to the previous design. */
async function previousDesignDatabase(
  url: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ledger-bench-previous-'));
  for (const name of await readdir(MIGRATIONS_DIR)) {
    if (name.endsWith('.sql') && name < FIRST_NEW_MIGRATION)
      await copyFile(join(MIGRATIONS_DIR, name), join(dir, name));
  }
  const name = `ledger_bench_previous_${runId}`;
  const admin = createSql(url, { max: 1 });
  await admin.unsafe(`create database ${name}`);
  const previousUrl = url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const sql = createSql(previousUrl, { max: 1 });
  await migrate(sql, dir).finally(() => sql.end());
  await rm(dir, { recursive: true, force: true });
  return {
    url: previousUrl,
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
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
  const pool = { max: Math.max(...CONCURRENCIES) + 2, applicationName: 'escrow-bench' };
  const owner = createSql(url, { max: 1 });
  await migrate(owner);
  await owner`create table if not exists ledger_bench_baseline (
    id bigint generated always as identity primary key, k text not null, amount bigint not null)`;
  const previous = await previousDesignDatabase(url);
  const sql = createSql(url, { ...pool, role: APP_ROLE });
  const previousSql = createSql(previous.url, pool);
  try {
    postmaster = await postmasterPid(sql);
    // LEDGER_BENCH_GROUP='{"windowMs":1,"maxUnits":64,"maxInFlight":4}' tries other settings.
    const grouped = createLedgerWriter(sql, JSON.parse(process.env.LEDGER_BENCH_GROUP ?? '{}'));
    const ungrouped = createLedgerWriter(sql, { maxUnits: 1 });
    // The previous design's ledger_post, one per transaction, as postEntry called it then.
    const direct: LedgerWriter = {
      post: async ([payload]) => {
        const [row] = await previousSql<{ result: EntryResult }[]>`
          select ledger_post(${previousSql.json(payload as never)}) as result`;
        return [row ? { ok: true, value: row.result } : { ok: false, error: new Error('no row') }];
      },
    };
    const cells: CellResult[] = [];
    for (const concurrency of CONCURRENCIES) {
      cells.push(await baselineCell(sql, owner, concurrency));
      for (const scenario of ['distinct', 'hot'] as const) {
        cells.push(
          await releaseCell(previousSql, previousSql, direct, scenario, 'direct', concurrency),
        );
        cells.push(await releaseCell(sql, owner, ungrouped, scenario, 'ungrouped', concurrency));
        cells.push(await releaseCell(sql, owner, grouped, scenario, 'grouped', concurrency));
      }
    }
    const [settings] = await sql<{ fsync: string; synchronous_commit: string }[]>`
      select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit`;
    process.stdout.write(
      `Postgres fsync=${settings?.fsync} synchronous_commit=${settings?.synchronous_commit}; ${CELL_MS} ms per cell; ` +
        `server CPU from /proc/<pid>/stat of the postmaster's processes${postmaster === null ? ' (not local: not measured)' : ''}\n`,
    );
    return cells;
  } finally {
    await Promise.all([sql.end(), previousSql.end()]);
    await owner`drop table if exists ledger_bench_baseline`;
    await owner.end();
    await previous.drop();
  }
});

const pad = (value: string | number, width: number) => String(value).padStart(width);
process.stdout.write(
  `${'scenario'.padEnd(12)}${pad('conc', 6)}${pad('entries', 9)}${pad('per s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('cpu µs', 9)}\n`,
);
for (const r of results) {
  process.stdout.write(
    `${r.scenario.padEnd(12)}${pad(r.concurrency, 6)}${pad(r.ops, 9)}${pad(r.perSec, 9)}${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}${pad(r.cpuUs ?? '-', 9)}\n`,
  );
}
const at32 = (scenario: string) =>
  results.find((r) => r.scenario === scenario && r.concurrency === 32);
const perSec = (scenario: string) => at32(scenario)?.perSec ?? 0;
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a == null || b == null || b === 0 ? null : Number((a / b).toFixed(3));
const summary = {
  distinctPerSec: perSec('distinct'),
  hotPerSec: perSec('hot'),
  ungroupedDistinctPerSec: perSec('distinct-1'),
  ungroupedHotPerSec: perSec('hot-1'),
  ratio: ratio(perSec('distinct'), perSec('distinct-1')),
  hotRatio: ratio(perSec('hot'), perSec('hot-1')),
  cpuUsPerEntry: at32('distinct')?.cpuUs ?? null,
  ungroupedCpuUsPerEntry: at32('distinct-1')?.cpuUs ?? null,
  cpuRatio: ratio(at32('distinct')?.cpuUs, at32('distinct-1')?.cpuUs),
  hotCpuUsPerEntry: at32('hot')?.cpuUs ?? null,
  ungroupedHotCpuUsPerEntry: at32('hot-1')?.cpuUs ?? null,
  previousDistinctPerSec: perSec('distinct-old'),
  previousCpuUsPerEntry: at32('distinct-old')?.cpuUs ?? null,
  previousRatio: ratio(perSec('distinct'), perSec('distinct-old')),
  previousHotPerSec: perSec('hot-old'),
  previousHotRatio: ratio(perSec('hot'), perSec('hot-old')),
  previousCpuRatio: ratio(at32('distinct')?.cpuUs, at32('distinct-old')?.cpuUs),
  ungroupedPreviousCpuRatio: ratio(at32('distinct-1')?.cpuUs, at32('distinct-old')?.cpuUs),
  rawInsertPerSec: perSec('insert'),
  rawInsertRatio: ratio(perSec('distinct'), perSec('insert')),
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
