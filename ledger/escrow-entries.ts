import type { LedgerSql } from './sql.js';

/** One ledger entry of an escrow with its postings, as a case record lists it. */
export interface EscrowLedgerEntry {
  entryId: string;
  kind: string;
  phase: string;
  idempotencyKey: string;
  pendingEntryId: string | null;
  createdAt: string;
  postings: Array<{ leg: number; account: string; currency: string; amount: string }>;
}

/**
 * Every entry tagged with the escrow, oldest first, with each posting's account (by its ref
 * key, e.g. `escrow_holding|VND|…`) and signed amount in minor units (as text: int8).
 */
export async function escrowLedgerEntries(
  sql: LedgerSql,
  escrowId: string,
): Promise<EscrowLedgerEntry[]> {
  const rows = await sql<
    {
      id: bigint;
      kind: string;
      phase: string;
      idempotency_key: string;
      pending_entry_id: bigint | null;
      created_at: Date;
      postings: Array<{ leg: number; account: string; currency: string; amount: string }> | null;
    }[]
  >`
    select e.id, e.kind, e.phase, e.idempotency_key, e.pending_entry_id, e.created_at,
           (select json_agg(json_build_object('leg', p.leg, 'account', a.ref_key,
                                              'currency', p.currency, 'amount', p.amount::text)
                            order by p.leg)
              from ledger_postings p join ledger_accounts a on a.id = p.account_id
             where p.entry_id = e.id) as postings
      from ledger_entries e
     where e.escrow_id = ${escrowId}
     order by e.id`;
  return rows.map((r) => ({
    entryId: String(r.id),
    kind: r.kind,
    phase: r.phase,
    idempotencyKey: r.idempotency_key,
    pendingEntryId: r.pending_entry_id === null ? null : String(r.pending_entry_id),
    createdAt: r.created_at.toISOString(),
    postings: r.postings ?? [],
  }));
}
