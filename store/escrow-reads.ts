import type { StoredEscrowView } from '../domain/view.js';
import type { Sql } from '../infra/db.js';

export interface EscrowRow {
  id: string;
  platformId: string;
  amount: bigint;
  currency: string;
  status: string;
  view: StoredEscrowView;
}

/** The current-state row the workflow keeps; `undefined` when no such escrow was recorded. */
export async function findEscrow(sql: Sql, escrowId: string): Promise<EscrowRow | undefined> {
  const [row] = await sql<EscrowRow[]>`
    select id, platform_id as "platformId", amount, currency, status, view
      from escrows where id = ${escrowId}`;
  return row;
}
