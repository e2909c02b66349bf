import type { EscrowEvent, EscrowTerms } from '../domain/escrow.js';
import type { EscrowView } from '../domain/view.js';
import type { Sql, Tx } from '../infra/db.js';
import { postEscrowMovement } from '../ledger/escrow-movements.js';

export interface TransitionRecord {
  terms: EscrowTerms;
  event: EscrowEvent;
  view: EscrowView;
}

/**
 * Records one escrow event in one transaction: the event log row, the current-state row, the
 * ledger entry when money moves, and the webhook outbox row. Idempotent by (escrow id, seq):
 * a retried call finds the event recorded and changes nothing.
 */
export async function recordTransition(
  sql: Sql,
  { terms, event, view }: TransitionRecord,
): Promise<boolean> {
  return sql.begin(async (tx) => {
    await upsertCurrentState(tx, terms, event, view);
    const inserted = await tx`
      insert into escrow_events (escrow_id, seq, type, status, data, occurred_at)
      values (${terms.escrowId}, ${event.seq}, ${event.type}, ${event.status},
              ${tx.json(event.data as never)}, ${new Date(event.at)})
      on conflict (escrow_id, seq) do nothing
      returning seq`;
    if (inserted.length === 0) return false;
    if (event.money) await postEscrowMovement(tx, terms, event.seq, event.money);
    await tx`
      insert into webhook_outbox (platform_id, escrow_id, seq, event_type, payload)
      values (${terms.platformId}, ${terms.escrowId}, ${event.seq}, ${`escrow.${event.type}`},
              ${tx.json(webhookPayload(terms, event, view) as never)})`;
    return true;
  });
}

async function upsertCurrentState(
  tx: Tx,
  terms: EscrowTerms,
  event: EscrowEvent,
  view: EscrowView,
) {
  const at = new Date(event.at);
  await tx`
    insert into escrows (id, platform_id, reference, buyer_id, seller_id, amount, currency,
                         status, needs_attention, last_seq, view, created_at, updated_at)
    values (${terms.escrowId}, ${terms.platformId}, ${terms.reference}, ${terms.buyerId},
            ${terms.sellerId}, ${BigInt(terms.amount)}, ${terms.currency}, ${view.status},
            ${view.needsAttention}, ${event.seq}, ${tx.json(view as never)}, ${at}, ${at})
    on conflict (id) do update set
      status = excluded.status,
      needs_attention = excluded.needs_attention,
      last_seq = excluded.last_seq,
      view = excluded.view,
      updated_at = excluded.updated_at
    where escrows.last_seq < excluded.last_seq`;
}

/** The body platforms receive: the event, and the escrow as it stood after it. */
function webhookPayload(terms: EscrowTerms, event: EscrowEvent, view: EscrowView) {
  return {
    id: `evt_${terms.escrowId}_${event.seq}`,
    type: `escrow.${event.type}`,
    createdAt: new Date(event.at).toISOString(),
    data: {
      escrowId: terms.escrowId,
      reference: terms.reference,
      seq: event.seq,
      status: event.status,
      details: event.data,
      escrow: { ...view, timeline: undefined },
    },
  };
}
