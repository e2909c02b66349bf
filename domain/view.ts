// What the workflow answers with and Postgres keeps of an escrow: the state with times as ISO
// strings. Not its timeline: that is the event log (escrow_events), and Temporal's history
// would store it again with every Update's answer.
import type { EscrowState } from './escrow.js';
import { availableActions, frozen, held } from './escrow.js';
import { itemDeadlines, itemHeld } from './items.js';
import { itemTimerIn } from './lifecycle.js';
import { railOf } from './rails.js';

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

export function escrowView(s: EscrowState) {
  const { terms } = s;
  return {
    id: terms.escrowId,
    platformId: terms.platformId,
    reference: terms.reference,
    buyerId: terms.buyerId,
    sellerId: terms.sellerId,
    description: terms.description,
    status: s.status,
    statusSince: iso(s.statusSince),
    amount: terms.amount,
    currency: terms.currency,
    fee: terms.fee,
    paymentMethod: railOf(terms),
    release: s.terms.release ?? 'together',
    money: { ...s.money, held: held(s), frozen: frozen(s), releasable: held(s) - frozen(s) },
    // The earliest item deadline stands for its timer; each item shows its own.
    deadlines: Object.fromEntries(
      Object.entries({ ...itemDeadlines(s), ...s.deadlines }).map(([timer, at]) => [
        timer,
        iso(at),
      ]),
    ),
    items: s.items.map((item) => ({
      id: item.id,
      description: item.description,
      amount: item.amount,
      quantity: item.quantity,
      status: item.status,
      deadline:
        item.deadline === undefined
          ? undefined
          : {
              timer: itemTimerIn(item.status),
              at: iso(item.deadline),
            },
      money: {
        held: itemHeld(s, item),
        frozen: item.frozen,
        released: item.released,
        fees: item.fees,
        refunded: item.refunded,
      },
      rejection: item.rejection
        ? { reason: item.rejection.reason, at: iso(item.rejection.at) }
        : undefined,
      returnShipment: item.returnShipment
        ? { ...item.returnShipment, shippedAt: iso(item.returnShipment.shippedAt) }
        : undefined,
    })),
    inspectionExtended: s.inspectionExtended,
    allowedActions: availableActions(s),
    payment: s.payment ? { ...s.payment, paidAt: iso(s.payment.paidAt) } : undefined,
    shipment: s.shipment ? { ...s.shipment, shippedAt: iso(s.shipment.shippedAt) } : undefined,
    deliveredAt: iso(s.deliveredAt),
    dispute: s.dispute
      ? {
          ...s.dispute,
          openedAt: iso(s.dispute.openedAt),
          sellerResponse: s.dispute.sellerResponse
            ? { ...s.dispute.sellerResponse, at: iso(s.dispute.sellerResponse.at) }
            : undefined,
          resolution: s.dispute.resolution
            ? { ...s.dispute.resolution, at: iso(s.dispute.resolution.at) }
            : undefined,
        }
      : undefined,
    cancelReason: s.cancelReason,
    payout: {
      status: s.payout.status,
      amount: s.payout.amount,
      attempts: s.payout.attempts,
      payoutId: s.payout.payoutId,
      lastError: s.payout.lastError,
    },
    refunds: s.refunds.map((r) => ({
      id: r.id,
      amount: r.amount,
      reason: r.reason,
      status: r.status,
      pspRefundId: r.pspRefundId,
      lastError: r.lastError,
    })),
    needsAttention: s.attention.length > 0,
    attentionReasons: s.attention,
  };
}

export type EscrowView = ReturnType<typeof escrowView>;
