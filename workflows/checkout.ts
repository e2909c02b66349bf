import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { type CheckoutStatus, checkoutTotal } from '../domain/checkout.js';
import type { EscrowTerms, PaymentLinkInfo } from '../domain/escrow.js';
import type { Rail } from '../domain/rails.js';
import {
  type CheckoutPaymentInfo,
  type CheckoutShareConfirmation,
  type CheckoutView,
  checkoutExpiredSignal,
  checkoutPaymentLinkUpdate,
  checkoutPaymentSignal,
  checkoutShareSignal,
  checkoutStateQuery,
  escrowWorkflowIdOf,
} from './checkout-messages.js';
import { escrowWorkflow } from './escrow.js';
import type { PaymentConfirmation } from './messages.js';
import { patientCheck, psp, quickCheck } from './psp-activities.js';

export interface CheckoutWorkflowInput {
  checkoutId: string;
  platformId: string;
  reference: string;
  buyerId: string;
  currency: string;
  rail: Rail;
  description: string;
  /** The checkout's payment window, in milliseconds (its escrows have none of their own). */
  paymentWindow: number;
  /** How long after expiry a rail that could not answer is still asked for a late payment. */
  latePaymentGrace: number;
  /** One escrow per seller, each with `checkout: { checkoutId }`. */
  escrows: EscrowTerms[];
  returnUrl: string;
  clientIp: string;
}

const LINK_RECORDED_BEFORE_ANSWER = 'checkout-link-recorded-before-answer';

const { recordCheckout } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * A multi-seller cart: one payment link for the whole cart, one child escrow workflow per
 * seller (abandoned when this closes: each lives on with its own timers). Paid: each escrow is
 * funded with its share of the one payment. Unpaid at the end of the payment window (the rail
 * asked first): every escrow expires. Then it closes; a later payment goes from the callback
 * route straight to the escrows, which refund their shares.
 */
export async function checkoutWorkflow(input: CheckoutWorkflowInput): Promise<void> {
  const { checkoutId } = input;
  const amount = checkoutTotal(input.escrows);
  const shares = input.escrows.map((t) => ({
    escrowId: t.escrowId,
    sellerId: t.sellerId,
    amount: t.amount,
  }));
  const rail = { rail: input.rail };
  let status: CheckoutStatus = 'awaiting_payment';
  let paymentLink: PaymentLinkInfo | undefined;
  const payments: PaymentConfirmation[] = [];
  const seen = new Set<string>();
  // Only the cart's total pays it; another amount is left to reconciliation (amount_differs)
  // and ops: it cannot be split into the sellers' shares.
  const wholeCart = (p: PaymentConfirmation) =>
    p.amount === amount && p.currency === input.currency;

  const view = (): CheckoutView => ({
    checkoutId,
    status,
    amount,
    currency: input.currency,
    escrows: shares,
    ...(paymentLink ? { paymentLink } : {}),
  });
  setHandler(checkoutStateQuery, view);
  setHandler(checkoutPaymentLinkUpdate, async () => {
    await condition(() => paymentLink !== undefined);
    return { ...view(), paymentLink: paymentLink as PaymentLinkInfo };
  });
  // The callback route checked signature, amount and currency; the same payment twice is one.
  setHandler(checkoutPaymentSignal, (payment) => {
    if (seen.has(payment.providerTransactionId) || !wholeCart(payment)) return;
    seen.add(payment.providerTransactionId);
    payments.push(payment);
  });

  await recordCheckout({
    kind: 'created',
    checkout: {
      checkoutId,
      platformId: input.platformId,
      reference: input.reference,
      buyerId: input.buyerId,
      currency: input.currency,
      amount,
      rail: input.rail,
      escrows: shares,
    },
  });
  for (const terms of input.escrows) {
    await startChild(escrowWorkflow, {
      workflowId: escrowWorkflowIdOf(terms.escrowId),
      args: [{ terms, returnUrl: input.returnUrl, clientIp: input.clientIp }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Escrow ${terms.escrowId} · ${terms.amount} ${terms.currency} · seller ${terms.sellerId} · checkout ${checkoutId}`,
    });
  }
  const expiresAt = Date.now() + input.paymentWindow;
  const link = await psp.createPaymentLink({
    ...rail,
    idempotencyKey: `checkout:${checkoutId}:payment`,
    escrowId: checkoutId,
    amount,
    currency: input.currency,
    description: input.description,
    expiresAt: new Date(expiresAt).toISOString(),
    returnUrl: input.returnUrl,
    clientIp: input.clientIp,
  });
  // Patch: the link is in Postgres before the create answers, so a GET right after shows it.
  if (patched(LINK_RECORDED_BEFORE_ANSWER)) {
    await recordCheckout({ kind: 'update', checkoutId, paymentLink: link });
    paymentLink = link;
  } else {
    paymentLink = link;
    await recordCheckout({ kind: 'update', checkoutId, paymentLink: link });
  }
  setCurrentDetails(
    `**awaiting_payment** · ${amount} ${input.currency} · ${shares.length} sellers`,
  );
  const info: CheckoutPaymentInfo = { checkoutId, amount, paymentLink: link };

  /** Each escrow gets its share of the payment, under the same provider transaction id. */
  const fanOut = async (payment: PaymentConfirmation) => {
    for (const share of shares) {
      const confirmation: CheckoutShareConfirmation = {
        ...payment,
        amount: share.amount,
        checkout: info,
      };
      await getExternalWorkflowHandle(escrowWorkflowIdOf(share.escrowId)).signal(
        checkoutShareSignal,
        confirmation,
      );
    }
  };
  const found = (answer: Awaited<ReturnType<typeof quickCheck>> | undefined) => {
    if (answer?.status !== 'succeeded' || !answer.providerTransactionId) return false;
    if (seen.has(answer.providerTransactionId)) return true;
    const payment = {
      providerTransactionId: answer.providerTransactionId,
      amount: answer.amount ?? amount,
      currency: input.currency,
      paidAt: new Date().toISOString(),
    };
    if (!wholeCart(payment)) return false;
    seen.add(payment.providerTransactionId);
    payments.push(payment);
    return true;
  };
  const check = { ...rail, escrowId: checkoutId, transactionDate: link.createdAt };

  let paid = await condition(() => payments.length > 0, Math.max(1, expiresAt - Date.now()));
  let railUnsure = false;
  if (!paid) {
    // Before the cart expires, the rail is asked: a payment whose callback was lost pays it.
    const answer = await quickCheck(check).catch(() => undefined);
    railUnsure = answer === undefined;
    paid = found(answer) || payments.length > 0;
  }
  let fannedOut = 0;
  if (paid) {
    const first = payments[0] as PaymentConfirmation;
    status = 'paid';
    await fanOut(first);
    fannedOut = 1;
    await recordCheckout({
      kind: 'update',
      checkoutId,
      status,
      paymentTransactionId: first.providerTransactionId,
    });
  } else {
    status = 'expired';
    for (const share of shares) {
      await getExternalWorkflowHandle(escrowWorkflowIdOf(share.escrowId)).signal(
        checkoutExpiredSignal,
        info,
      );
    }
    await recordCheckout({ kind: 'update', checkoutId, status });
    if (railUnsure) {
      // The rail could not say: it is asked again while the escrows still take a late payment.
      const late = await patientCheck(input.latePaymentGrace)(check).catch(() => undefined);
      found(late);
    }
  }
  setCurrentDetails(`**${status}** · ${amount} ${input.currency} · ${shares.length} sellers`);
  // A payment after the first (or after expiry) is the escrows' to refund, share by share.
  for (;;) {
    while (fannedOut < payments.length) {
      await fanOut(payments[fannedOut] as PaymentConfirmation);
      fannedOut += 1;
    }
    await condition(allHandlersFinished);
    if (fannedOut >= payments.length) break;
  }
}
