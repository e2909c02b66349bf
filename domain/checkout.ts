// A multi-seller checkout: one payment for a cart that funds one escrow per seller. Pure.

/** awaiting_payment → paid (its escrows funded with their shares) or expired (with them). */
export type CheckoutStatus = 'awaiting_payment' | 'paid' | 'expired';

export const CHECKOUT_STATUSES = ['awaiting_payment', 'paid', 'expired'] as const;

/** At most this many sellers (so escrows) in one checkout. */
export const MAX_SELLERS = 50;

/** One seller's part of the cart: the escrow it funds and that escrow's amount. */
export interface CheckoutShare {
  escrowId: string;
  sellerId: string;
  amount: number;
}

/** The cart's total: the one payment's amount. */
export const checkoutTotal = (shares: readonly { amount: number }[]): number =>
  shares.reduce((total, share) => total + share.amount, 0);
