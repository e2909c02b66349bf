import type {
  LedgerPhase,
  Mismatch,
  MismatchKind,
  Movement,
  RailStatus,
} from '../domain/reconciliation.js';
import type { Sql } from '../infra/db.js';

// Reconciliation reports: one run per pass, the mismatches it found. A mismatch is stored once
// (unique kind + reference); a later pass finding it again adds nothing.

export interface Period {
  from: Date;
  to: Date;
}

/** The sides as stored (JSON): amounts as decimal strings, times as ISO strings. */
export interface StoredMismatch {
  id: string;
  runId: string;
  kind: MismatchKind;
  movement: Movement;
  reference: string;
  escrowId: string | null;
  ledger: { phase: LedgerPhase; amount: string; currency: string; at: string } | null;
  rail: {
    status: RailStatus;
    amount?: string;
    currency?: string;
    at?: string;
    railId?: string;
  } | null;
  detail: string;
  fixed: boolean;
  handledAt: Date | null;
  createdAt: Date;
}

export interface Report {
  id: string;
  periodFrom: Date;
  periodTo: Date;
  startedAt: Date;
  finishedAt: Date | null;
  checked: number;
  notes: string[];
  mismatches: StoredMismatch[];
}

/** The end of the last finished pass: where the next one starts, so passes leave no gap. */
export async function lastReconciledUntil(sql: Sql): Promise<Date | undefined> {
  const [row] = await sql<{ until: Date | null }[]>`
    select max(period_to) as until from reconciliation_runs where finished_at is not null`;
  return row?.until ?? undefined;
}

/** Opens the run; a retried activity opening it again gets the period it started with. */
export async function openRun(sql: Sql, id: string, period: Period): Promise<Period> {
  await sql`
    insert into reconciliation_runs (id, period_from, period_to)
    values (${id}, ${period.from}, ${period.to})
    on conflict (id) do nothing`;
  const [row] = await sql<{ from: Date; to: Date }[]>`
    select period_from as from, period_to as to from reconciliation_runs where id = ${id}`;
  if (!row) throw new Error(`reconciliation run ${id} vanished`);
  return row;
}

/** Stores the run's findings; returns how many were new (not reported by an earlier pass). */
export async function recordMismatches(
  sql: Sql,
  runId: string,
  mismatches: readonly Mismatch[],
): Promise<number> {
  if (mismatches.length === 0) return 0;
  const rows = mismatches.map((m) => ({
    run_id: runId,
    kind: m.kind,
    movement: m.movement,
    reference: m.reference,
    escrow_id: m.escrowId,
    ledger: m.ledger && {
      phase: m.ledger.phase,
      amount: m.ledger.amount.toString(),
      currency: m.ledger.currency,
      at: m.ledger.at.toISOString(),
    },
    rail: m.rail && {
      status: m.rail.status,
      ...(m.rail.amount === undefined ? {} : { amount: m.rail.amount.toString() }),
      ...(m.rail.currency === undefined ? {} : { currency: m.rail.currency }),
      ...(m.rail.at === undefined ? {} : { at: m.rail.at.toISOString() }),
      ...(m.rail.railId === undefined ? {} : { railId: m.rail.railId }),
    },
    detail: m.detail,
  }));
  const inserted = await sql`
    insert into reconciliation_mismatches
      ${sql(rows as never, 'run_id', 'kind', 'movement', 'reference', 'escrow_id', 'ledger', 'rail', 'detail')}
    on conflict (kind, reference) do nothing
    returning id`;
  return inserted.length;
}

const selectMismatches = (sql: Sql) => sql`
  select id::text, run_id as "runId", kind, movement, reference, escrow_id as "escrowId",
         ledger, rail, detail, fixed, handled_at as "handledAt", created_at as "createdAt"
    from reconciliation_mismatches`;

/** Mismatches not flagged or fixed yet, oldest first: a pass that died may have left some. */
export async function unhandledMismatches(sql: Sql): Promise<StoredMismatch[]> {
  return sql<StoredMismatch[]>`${selectMismatches(sql)} where handled_at is null order by id`;
}

export async function markHandled(sql: Sql, id: string, { fixed }: { fixed: boolean }) {
  await sql`
    update reconciliation_mismatches set handled_at = now(), fixed = ${fixed} where id = ${id}`;
}

export interface RunSummary {
  checked: number;
  /** Of this run's (new) mismatches, how many were fixed. */
  fixed: number;
  mismatches: number;
}

export async function finishRun(
  sql: Sql,
  id: string,
  { checked, notes }: { checked: number; notes: readonly string[] },
): Promise<RunSummary> {
  const [row] = await sql<RunSummary[]>`
    with finished as (
      update reconciliation_runs
         set finished_at = now(), checked = ${checked}, notes = ${sql.array([...notes])}
       where id = ${id}
    )
    select ${checked}::int as checked,
           count(*) filter (where fixed)::int as fixed,
           count(*)::int as mismatches
      from reconciliation_mismatches where run_id = ${id}`;
  if (!row) throw new Error('an aggregate always has one row');
  return row;
}

/** One page of reports, newest first, each with its mismatches. */
export async function listReports(
  sql: Sql,
  { limit, before }: { limit: number; before?: bigint | undefined },
): Promise<{ reports: Report[]; nextBefore: bigint | null }> {
  const runs = await sql<(Omit<Report, 'mismatches'> & { position: bigint })[]>`
    select id, position, period_from as "periodFrom", period_to as "periodTo",
           started_at as "startedAt", finished_at as "finishedAt", checked, notes
      from reconciliation_runs
     where ${before === undefined ? sql`true` : sql`position < ${before}`}
     order by position desc
     limit ${limit + 1}`;
  const page = runs.slice(0, limit);
  const mismatches =
    page.length === 0
      ? []
      : await sql<StoredMismatch[]>`
          ${selectMismatches(sql)} where run_id in ${sql(page.map((r) => r.id))} order by id`;
  const byRun = new Map<string, StoredMismatch[]>();
  for (const m of mismatches) byRun.set(m.runId, [...(byRun.get(m.runId) ?? []), m]);
  const last = page.at(-1);
  return {
    reports: page.map(({ position: _position, ...run }) => ({
      ...run,
      mismatches: byRun.get(run.id) ?? [],
    })),
    nextBefore: runs.length > limit && last ? last.position : null,
  };
}
