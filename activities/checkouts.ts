import type { PaymentLinkInfo } from '../domain/escrow.js';
import type { Sql } from '../infra/db.js';
import {
  type CheckoutStatus,
  insertCheckout,
  type NewCheckout,
  updateCheckout,
} from '../store/checkouts.js';

export type RecordCheckoutInput =
  | { kind: 'created'; checkout: NewCheckout }
  | {
      kind: 'update';
      checkoutId: string;
      status?: CheckoutStatus;
      paymentLink?: PaymentLinkInfo;
      paymentTransactionId?: string;
    };

/** The checkout workflow's writes: the cart once, then its link and its status. Idempotent. */
export function createCheckoutActivities(sql: Sql) {
  return {
    async recordCheckout(input: RecordCheckoutInput): Promise<void> {
      if (input.kind === 'created') {
        await insertCheckout(sql, input.checkout);
        return;
      }
      const { kind: _kind, checkoutId, ...update } = input;
      await updateCheckout(sql, checkoutId, update);
    },
  };
}
