import type { ClosedEscrow, EscrowTerms, PaymentLinkInfo } from '../domain/escrow.js';
import { DEFAULT_WINDOWS } from '../domain/lifecycle.js';
import type { EscrowView } from '../domain/view.js';
import type { Sql } from '../infra/db.js';

/**
 * An escrow as Postgres keeps it, for a new run of its closed workflow: the current-state row
 * and every provider transaction its event log has booked (so a repeated callback books none).
 */
export async function loadClosedEscrow(
  sql: Sql,
  escrowId: string,
): Promise<ClosedEscrow | undefined> {
  const [row] = await sql<
    {
      view: EscrowView;
      terms: EscrowTerms | null;
      payment_link: PaymentLinkInfo | null;
      last_seq: number;
    }[]
  >`select view, terms, payment_link, last_seq from escrows where id = ${escrowId}`;
  if (!row) return undefined;
  const payments = await sql<{ id: string }[]>`
    select distinct data->>'providerTransactionId' as id
      from escrow_events
     where escrow_id = ${escrowId}
       and type in ('payment_confirmed', 'payment_rejected')
       and data ? 'providerTransactionId'`;
  const { view } = row;
  return {
    terms: row.terms ?? termsFromView(view),
    status: view.status,
    lastSeq: row.last_seq,
    money: {
      funded: view.money.funded,
      released: view.money.released,
      fees: view.money.fees,
      refunded: view.money.refunded,
    },
    payout: {
      status: view.payout.status,
      amount: view.payout.amount,
      attempts: view.payout.attempts,
      ...(view.payout.payoutId === undefined ? {} : { payoutId: view.payout.payoutId }),
    },
    refunds: view.refunds.map((r) => ({ id: r.id, amount: r.amount, reason: r.reason })),
    attention: view.attentionReasons,
    seenPayments: payments.map((p) => p.id),
    ...(view.items
      ? {
          items: view.items.map((item) => ({
            id: item.id,
            status: item.status,
            released: item.money.released,
            fees: item.money.fees,
            refunded: item.money.refunded,
          })),
        }
      : {}),
    ...(row.payment_link ? { paymentLink: row.payment_link } : {}),
  };
}

/**
 * Rows from before terms were stored. A closed escrow pays out nothing more and runs no timer,
 * so the destination and the windows it lacks are never used.
 */
function termsFromView(view: EscrowView): EscrowTerms {
  return {
    escrowId: view.id,
    platformId: view.platformId,
    reference: view.reference,
    buyerId: view.buyerId,
    sellerId: view.sellerId,
    amount: view.amount,
    currency: view.currency,
    fee: view.fee,
    description: view.description,
    payoutDestination: { bankCode: '', accountNumber: '', accountName: '' },
    windows: DEFAULT_WINDOWS,
  };
}
