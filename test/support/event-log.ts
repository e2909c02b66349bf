import type { Sql } from '../../infra/db.js';
import { listEscrowEvents } from '../../store/escrow-queries.js';

/** An escrow's events as Postgres keeps them, in order: the workflow's view has no timeline. */
export async function eventLog(sql: Sql, escrowId: string) {
  return (await listEscrowEvents(sql, escrowId, { afterSeq: 0, limit: 1_000 })).items;
}
