// The event chain in Postgres: the link before a new event, the backfill of rows written before
// the chain existed, and the walk of every chain that `npm run case:check` reports. The hash
// itself is infra/case-chain.ts's, for the store, the API and both scripts alike.
import {
  type ChainBreak,
  type ChainedEvent,
  eventHash,
  findChainBreaks,
  GENESIS_HASH,
} from '../infra/case-chain.js';
import type { Sql, Tx } from '../infra/db.js';

interface EventRow {
  seq: number;
  type: string;
  status: string;
  data: unknown;
  occurred_at: Date;
  prev_hash: string | null;
  hash: string | null;
}

const chained = (row: EventRow): ChainedEvent => ({
  seq: row.seq,
  type: row.type,
  status: row.status,
  data: row.data,
  occurredAt: row.occurred_at.toISOString(),
  prevHash: row.prev_hash,
  hash: row.hash,
});

/** An escrow's events in seq order, with their links. */
export async function readChain(sql: Sql | Tx, escrowId: string): Promise<ChainedEvent[]> {
  const rows = await sql<EventRow[]>`
    select seq, type, status, data, occurred_at, prev_hash, hash
      from escrow_events where escrow_id = ${escrowId} order by seq`;
  return rows.map(chained);
}

/**
 * The hash a new event with this seq links to: the hash of the event stored before it, or the
 * genesis value. Rows before it that have no hash yet (written before the chain) are chained
 * first, in this transaction, so an escrow that was open at the migration gets a whole chain.
 */
export async function linkBefore(tx: Tx, escrowId: string, seq: number): Promise<string> {
  const [prev] = await tx<{ hash: string | null }[]>`
    select hash from escrow_events where escrow_id = ${escrowId} and seq < ${seq}
     order by seq desc limit 1`;
  if (!prev) return GENESIS_HASH;
  if (prev.hash !== null) return prev.hash;
  return chainEscrow(tx, escrowId, seq);
}

/**
 * Fills in prev_hash and hash of an escrow's unchained rows (those before `beforeSeq`), in seq
 * order, continuing from the last chained one; answers the head. The append-only trigger lets
 * an update through only when it sets a missing hash and changes nothing else.
 */
export async function chainEscrow(
  tx: Tx,
  escrowId: string,
  beforeSeq = 2 ** 31 - 1,
): Promise<string> {
  const rows = await tx<EventRow[]>`
    select seq, type, status, data, occurred_at, prev_hash, hash
      from escrow_events where escrow_id = ${escrowId} and seq < ${beforeSeq}
     order by seq for update`;
  let head = GENESIS_HASH;
  for (const row of rows) {
    if (row.hash !== null) {
      head = row.hash;
      continue;
    }
    const hash = eventHash({ escrowId, ...chained(row), prevHash: head });
    await tx`update escrow_events set prev_hash = ${head}, hash = ${hash}
              where escrow_id = ${escrowId} and seq = ${row.seq} and hash is null`;
    head = hash;
  }
  return head;
}

/** `npm run case:backfill`: chains every escrow that has unchained rows; how many rows it did. */
export async function backfillChains(sql: Sql): Promise<{ escrows: number; events: number }> {
  const todo = await sql<{ escrow_id: string; n: number }[]>`
    select escrow_id, count(*)::int as n from escrow_events where hash is null
     group by escrow_id order by escrow_id`;
  for (const { escrow_id } of todo) {
    await sql.begin((tx) => chainEscrow(tx, escrow_id));
  }
  return { escrows: todo.length, events: todo.reduce((sum, t) => sum + t.n, 0) };
}

export interface ChainCheckReport {
  ok: boolean;
  escrows: number;
  events: number;
  /** Rows that do not hold: an edited event, a broken link, a row still unchained. */
  broken: Array<ChainBreak & { escrowId: string }>;
}

/** `npm run case:check`: walks every escrow's chain, escrow by escrow, and names what breaks. */
export async function checkChains(sql: Sql): Promise<ChainCheckReport> {
  const ids = await sql<{ escrow_id: string }[]>`
    select distinct escrow_id from escrow_events order by escrow_id`;
  const broken: ChainCheckReport['broken'] = [];
  let events = 0;
  for (const { escrow_id: escrowId } of ids) {
    const chain = await readChain(sql, escrowId);
    events += chain.length;
    for (const b of findChainBreaks(escrowId, chain)) broken.push({ escrowId, ...b });
  }
  return { ok: broken.length === 0, escrows: ids.length, events, broken };
}
