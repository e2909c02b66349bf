import { type LedgerMovement, ledgerKeyMovement } from '../domain/reconciliation.js';
import type { LedgerSql } from './sql.js';

// The ledger's side of reconciliation: the entries that moved money across a rail (funding,
// seller payout, refund payout), each with where it stands. A payout or refund payout is a
// two-phase entry: pending until its resolution posts or voids it.

interface Row {
  key: string;
  phase: 'pending' | 'posted' | 'voided';
  amount: bigint;
  currency: string;
  at: Date;
}

const selectMovements = (sql: LedgerSql) => sql`
  select e.idempotency_key as key, e.created_at as at,
         case when e.phase = 'final' or r.phase = 'post' then 'posted'
              when r.phase = 'void' then 'voided' else 'pending' end as phase,
         -- What moved: the postings of the entry or of its posting resolution; else what was
         -- reserved. Rail movements have one positive leg: the side the money went to.
         coalesce(
           (select sum(p.amount) from ledger_postings p
             where p.entry_id = case when r.phase = 'post' then r.id else e.id end and p.amount > 0),
           (select sum(l.amount) from ledger_pending_legs l where l.entry_id = e.id and l.amount > 0)
         )::int8 as amount,
         coalesce(
           (select min(p.currency) from ledger_postings p where p.entry_id = e.id),
           (select min(l.currency) from ledger_pending_legs l where l.entry_id = e.id)
         ) as currency
    from ledger_entries e
    left join ledger_entries r on r.pending_entry_id = e.id
   where e.kind in ('funding', 'payout', 'refund_payout') and e.phase in ('final', 'pending')`;

const toMovements = (rows: Row[]): LedgerMovement[] =>
  rows.flatMap((row) => {
    const ref = ledgerKeyMovement(row.key);
    return ref
      ? [{ ...ref, phase: row.phase, amount: row.amount, currency: row.currency, at: row.at }]
      : [];
  });

/**
 * Movements written in [from, to), and the ones still pending from before: an open payout is
 * compared again on every pass until it is resolved.
 */
export async function railMovementsInPeriod(
  sql: LedgerSql,
  period: { from: Date; to: Date },
): Promise<LedgerMovement[]> {
  const rows = await sql<Row[]>`
    ${selectMovements(sql)}
     and e.created_at < ${period.to}
     and (e.created_at >= ${period.from} or (e.phase = 'pending' and r.id is null))
   order by e.id`;
  return toMovements(rows);
}

/** Every movement of these escrows, whenever written: what a rail record is looked up in. */
export async function railMovementsOfEscrows(
  sql: LedgerSql,
  escrowIds: readonly string[],
): Promise<LedgerMovement[]> {
  if (escrowIds.length === 0) return [];
  const rows = await sql<Row[]>`
    ${selectMovements(sql)} and e.escrow_id in ${sql([...escrowIds])}
   order by e.id`;
  return toMovements(rows);
}
