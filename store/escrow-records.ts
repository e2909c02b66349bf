import type { EscrowEvent, EscrowTerms, PaymentLinkInfo } from '../domain/escrow.js';
import type { EscrowView } from '../domain/view.js';
import { eventHash } from '../infra/case-chain.js';
import type { Sql, Tx } from '../infra/db.js';
import { postEscrowMovement } from '../ledger/escrow-movements.js';
import { escrowEventPayload } from '../webhooks/event-payload.js';
import { linkBefore } from './case-chain.js';
import { storable } from './storable-text.js';

export interface TransitionRecord {
  terms: EscrowTerms;
  event: EscrowEvent;
  view: EscrowView;
  /** Once the PSP has made it; kept for runs after the workflow has closed. */
  paymentLink?: PaymentLinkInfo;
}

/**
 * Records one escrow event in one transaction: the event log row with its link in the chain
 * (prev_hash, hash: infra/case-chain.ts), the current-state row, the ledger entry when money
 * moves, and the webhook outbox row (a transactional outbox: an event and its announcement
 * commit together; the body is webhooks/event-payload.ts's). Idempotent by (escrow id, seq): a
 * retried call finds the event recorded and changes nothing. The workflow writes an escrow's
 * events one at a time in seq order, so the event before this one is already stored.
 */
export async function recordTransition(sql: Sql, record: TransitionRecord): Promise<boolean> {
  return sql.begin((tx) => writeTransition(tx, record));
}

/** One escrow's events, several at once: what went wrong with which of them. */
export class TransitionBatchError extends Error {
  constructor(
    readonly seq: number,
    override readonly cause: unknown,
  ) {
    super(`event ${seq}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'TransitionBatchError';
  }
}

/**
 * Records several events of one escrow in seq order, each as recordTransition does, all in one
 * transaction: one commit for a step's events. Idempotent by (escrow id, seq) like it. When
 * one fails, nothing commits and a TransitionBatchError names its seq (the caller decides
 * whether to write the ones before it again).
 */
export async function recordTransitions(sql: Sql, records: TransitionRecord[]): Promise<void> {
  await sql.begin(async (tx) => {
    for (const record of records) {
      await writeTransition(tx, record).catch((error: unknown) => {
        throw new TransitionBatchError(record.event.seq, error);
      });
    }
  });
}

async function writeTransition(tx: Tx, record: TransitionRecord): Promise<boolean> {
  const { terms, event, view, paymentLink } = storable(record);
  const { money } = event;
  const inserted = await writeEvent(tx, terms, event, view, paymentLink);
  if (inserted && money) await postEscrowMovement(tx, terms, event.seq, money);
  return inserted;
}

/**
 * The event log row, the current-state row and the outbox row, in one statement after the
 * lookup of the link before. The current
 * state only moves forward (last_seq); the outbox row exists only if the event was new.
 */
async function writeEvent(
  sql: Tx,
  terms: EscrowTerms,
  event: EscrowEvent,
  view: EscrowView,
  paymentLink: PaymentLinkInfo | undefined,
): Promise<boolean> {
  const at = new Date(event.at);
  const prevHash = await linkBefore(sql, terms.escrowId, event.seq);
  // Hashed as Postgres gives it back: the JSON text of the data, parsed again.
  const hash = eventHash({
    escrowId: terms.escrowId,
    seq: event.seq,
    type: event.type,
    status: event.status,
    data: JSON.parse(JSON.stringify(event.data)),
    occurredAt: at.toISOString(),
    prevHash,
  });
  const [row] = await sql<{ inserted: number }[]>`
    with current_state as (
      insert into escrows (id, platform_id, reference, buyer_id, seller_id, amount, currency,
                           status, needs_attention, last_seq, view, terms, payment_link,
                           created_at, updated_at)
      values (${terms.escrowId}, ${terms.platformId}, ${terms.reference}, ${terms.buyerId},
              ${terms.sellerId}, ${BigInt(terms.amount)}, ${terms.currency}, ${view.status},
              ${view.needsAttention}, ${event.seq}, ${sql.json(view as never)},
              ${sql.json(terms as never)}, ${paymentLink ? sql.json(paymentLink as never) : null},
              ${at}, ${at})
      on conflict (id) do update set
        status = excluded.status,
        needs_attention = excluded.needs_attention,
        last_seq = excluded.last_seq,
        view = excluded.view,
        terms = excluded.terms,
        payment_link = coalesce(excluded.payment_link, escrows.payment_link),
        updated_at = excluded.updated_at
      where escrows.last_seq < excluded.last_seq
    ), recorded as (
      insert into escrow_events (escrow_id, seq, type, status, data, occurred_at, prev_hash, hash)
      values (${terms.escrowId}, ${event.seq}, ${event.type}, ${event.status},
              ${sql.json(event.data as never)}, ${at}, ${prevHash}, ${hash})
      on conflict (escrow_id, seq) do nothing
      returning seq
    ), announced as (
      insert into webhook_outbox (platform_id, escrow_id, seq, event_type, payload)
      select ${terms.platformId}, ${terms.escrowId}, seq, ${`escrow.${event.type}`},
             ${sql.json(escrowEventPayload(terms, event, view) as never)}
        from recorded
    )
    select count(*)::int as inserted from recorded`;
  return (row?.inserted ?? 0) > 0;
}

/**
 * Keeps a rail's order reference (payOS's orderCode) on the escrow's row, so its callbacks find
 * the escrow; false while the row does not exist yet. The same reference again is a no-op;
 * one another escrow holds violates the unique column.
 */
export async function keepOrderRef(sql: Sql, escrowId: string, orderRef: string): Promise<boolean> {
  const rows =
    await sql`update escrows set order_ref = ${orderRef} where id = ${escrowId} returning id`;
  return rows.length > 0;
}
