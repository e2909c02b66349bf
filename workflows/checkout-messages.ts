// The checkout workflow's messages, and the two it sends its escrows. Definitions and types only:
// both workflows import this file.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CheckoutStatus } from '../domain/checkout.js';
import type { PaymentLinkInfo } from '../domain/escrow.js';
import type { PaymentConfirmation } from './messages.js';

/** What an escrow of a checkout needs of the checkout: its one payment's link and total. */
export interface CheckoutPaymentInfo {
  checkoutId: string;
  /** The cart's total: a refund of exactly this much is a full refund of the one payment. */
  amount: number;
  /** The checkout's payment link: its date names the payment at the rail (VNPay). */
  paymentLink: PaymentLinkInfo;
}

/**
 * The escrow's share of its checkout's payment. Sent under the escrow's `paymentConfirmed`
 * signal (the same name, so a resumed, closed escrow takes it as any late payment); `checkout`
 * is extra, and an escrow that is not a checkout's never gets it.
 */
export type CheckoutShareConfirmation = PaymentConfirmation & { checkout?: CheckoutPaymentInfo };

export const checkoutShareSignal = defineSignal<[CheckoutShareConfirmation]>('paymentConfirmed');

/** The checkout went unpaid: its escrows expire together (`{ type: 'checkoutExpired' }`). */
export const checkoutExpiredSignal = defineSignal<[CheckoutPaymentInfo]>('checkoutExpired');

/** The payment that pays the cart: the callback route and reconciliation send it. */
export const checkoutPaymentSignal = defineSignal<[PaymentConfirmation]>(
  'checkoutPaymentConfirmed',
);

export interface CheckoutView {
  checkoutId: string;
  status: CheckoutStatus;
  amount: number;
  currency: string;
  paymentLink?: PaymentLinkInfo;
  escrows: { escrowId: string; sellerId: string; amount: number }[];
}

/** Answers once the payment link exists: the API creates checkouts with update-with-start. */
export const checkoutPaymentLinkUpdate = defineUpdate<
  CheckoutView & { paymentLink: PaymentLinkInfo }
>('checkoutPaymentLink');

export const checkoutStateQuery = defineQuery<CheckoutView>('checkoutState');

/** The checkout's workflow id; its escrows keep theirs (`escrow:<id>`). */
export const checkoutWorkflowId = (checkoutId: string): string => `checkout:${checkoutId}`;

/** An escrow's workflow id, as workflows/client.ts's escrowWorkflowId (a test keeps them equal). */
export const escrowWorkflowIdOf = (escrowId: string): string => `escrow:${escrowId}`;
