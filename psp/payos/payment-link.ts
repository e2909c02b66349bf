import { APIError, type PaymentLink, type PaymentLinkStatus, type PayOS } from '@payos/node';
import {
  type CreatePaymentInput,
  type CreatePaymentResult,
  PspPermanentError,
  type TransactionStatus,
} from '../types.js';
import { payosError } from './errors.js';
import { orderCodeOf, paymentDescription } from './order-code.js';

const provider = 'payos';

/**
 * What one VietQR transfer may carry, for createPayment and the API's 422 alike. payOS states no
 * minimum (its own samples start at 2,000 VND, the smallest amount we accept); the maximum is
 * NAPAS 247's per-transfer cap (500,000,000 VND), which a single bank transfer cannot exceed.
 */
export const PAYOS_LIMITS = { currency: 'VND', min: 2_000n, max: 500_000_000n } as const;

/** payOS's answer to a create whose orderCode already has a link (protocol note §2.7). */
const ORDER_CODE_EXISTS = '231';

/** Link states (§2.4) as a payment's outcome: exhaustive, so a new SDK state breaks the build. */
const linkStatus: Record<PaymentLinkStatus, TransactionStatus['status']> = {
  PENDING: 'pending',
  PROCESSING: 'pending',
  // Part of the amount arrived: not paid until the rest does, or the link expires.
  UNDERPAID: 'pending',
  PAID: 'succeeded',
  CANCELLED: 'failed',
  EXPIRED: 'failed',
  FAILED: 'failed',
};

export const outcomeOfLink = (status: PaymentLinkStatus) => linkStatus[status];

export interface PaymentLinkContext {
  payos: PayOS;
  checkoutBaseUrl: string;
}

const wholeSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * Creates the payment link for the txnRef's orderCode. A retry after a lost answer gets 231:
 * the link is then read back, and handed out again if it is this payment and still payable.
 */
export async function createPaymentLink(
  { payos, checkoutBaseUrl }: PaymentLinkContext,
  input: CreatePaymentInput,
  now: Date = new Date(),
): Promise<CreatePaymentResult> {
  const amount = checkedAmount(input);
  if (!URL.canParse(input.returnUrl)) {
    throw new PspPermanentError(
      'invalid_request',
      `returnUrl is not a URL: ${input.returnUrl}`,
      provider,
    );
  }
  const createdAt = new Date(wholeSeconds(now) * 1000);
  const expiredAt = wholeSeconds(input.expiresAt);
  if (expiredAt <= wholeSeconds(createdAt)) {
    throw new PspPermanentError('invalid_request', 'expiresAt must be in the future', provider);
  }
  const orderCode = orderCodeOf(input.txnRef);
  const what = `payment link ${orderCode} (${input.txnRef})`;
  // Webhooks name the orderCode, not the txnRef: the engine keeps it to find the escrow by.
  const result = { expiresAt: new Date(expiredAt * 1000), createdAt, orderRef: String(orderCode) };
  try {
    const link = await payos.paymentRequests.create({
      orderCode,
      amount,
      description: paymentDescription(input.description),
      // The buyer lands on the return URL either way; its `cancel` parameter tells which.
      returnUrl: input.returnUrl,
      cancelUrl: input.returnUrl,
      expiredAt,
    });
    if (link.orderCode !== orderCode || link.amount !== amount) {
      throw new PspPermanentError(
        'invalid_response',
        `${what}: the answer is for another link`,
        provider,
      );
    }
    return { url: link.checkoutUrl, ...result };
  } catch (error) {
    if (!(error instanceof APIError && error.code === ORDER_CODE_EXISTS)) {
      throw payosError(error, what);
    }
  }
  const link = await readLink(payos, orderCode, what);
  if (link.amount !== amount) {
    throw new PspPermanentError(
      'idempotency_conflict',
      `${what}: orderCode ${orderCode} already holds a link of ${link.amount} VND`,
      provider,
    );
  }
  if (outcomeOfLink(link.status) === 'failed') {
    throw new PspPermanentError('declined', `${what}: the link is ${link.status}`, provider);
  }
  return { url: `${checkoutBaseUrl}/web/${link.id}`, ...result };
}

function checkedAmount(input: CreatePaymentInput): number {
  if (input.currency !== PAYOS_LIMITS.currency) {
    throw new PspPermanentError(
      'unsupported_currency',
      `payOS takes VND only, got ${input.currency}`,
      provider,
    );
  }
  if (input.amount < PAYOS_LIMITS.min || input.amount > PAYOS_LIMITS.max) {
    const limit =
      input.amount < PAYOS_LIMITS.min
        ? `minimum ${PAYOS_LIMITS.min}`
        : `maximum ${PAYOS_LIMITS.max}`;
    throw new PspPermanentError(
      'invalid_amount',
      `payOS payment of ${input.amount} VND is outside the ${limit} VND per payment`,
      provider,
    );
  }
  return Number(input.amount);
}

/** The link payOS holds for the orderCode; undefined when there is none (HTTP 404). */
export async function findLink(
  payos: PayOS,
  orderCode: number,
  what: string,
): Promise<PaymentLink | undefined> {
  try {
    const link = await payos.paymentRequests.get(orderCode);
    if (link.orderCode !== orderCode) {
      throw new PspPermanentError(
        'invalid_response',
        `${what}: the answer is for another link`,
        provider,
      );
    }
    return link;
  } catch (error) {
    if (error instanceof APIError && error.status === 404) return undefined;
    throw payosError(error, what);
  }
}

async function readLink(payos: PayOS, orderCode: number, what: string): Promise<PaymentLink> {
  const link = await findLink(payos, orderCode, what);
  if (!link) {
    throw new PspPermanentError(
      'invalid_response',
      `${what}: payOS refused the orderCode as taken but holds no link for it`,
      provider,
    );
  }
  return link;
}

/** What payOS knows of the txnRef's payment (§2.4 states). */
export async function linkTransaction(payos: PayOS, txnRef: string): Promise<TransactionStatus> {
  const orderCode = orderCodeOf(txnRef);
  const link = await findLink(payos, orderCode, `payment link ${orderCode} (${txnRef})`);
  if (!link) return { status: 'not_found' };
  const status = outcomeOfLink(link.status);
  return {
    status,
    providerTransactionId: link.id,
    // What arrived: the whole amount once PAID, part of it while UNDERPAID.
    amount: BigInt(status === 'succeeded' ? link.amount : link.amountPaid),
  };
}

/**
 * Cancels the txnRef's link so nobody can pay it any more (the payment window closed, the
 * order was abandoned). A link already cancelled or expired is fine; a paid one is refused.
 */
export async function cancelPaymentLink(
  payos: PayOS,
  txnRef: string,
  reason: string,
): Promise<TransactionStatus> {
  const orderCode = orderCodeOf(txnRef);
  const what = `cancel payment link ${orderCode} (${txnRef})`;
  const link = await findLink(payos, orderCode, what);
  if (!link) return { status: 'not_found' };
  if (link.status === 'CANCELLED' || link.status === 'EXPIRED') {
    return { status: 'failed', providerTransactionId: link.id, amount: BigInt(link.amountPaid) };
  }
  if (link.status === 'PAID') {
    throw new PspPermanentError('declined', `${what}: the link is already paid`, provider);
  }
  let cancelled: PaymentLink;
  try {
    cancelled = await payos.paymentRequests.cancel(orderCode, reason);
  } catch (error) {
    throw payosError(error, what);
  }
  return {
    status: outcomeOfLink(cancelled.status),
    providerTransactionId: cancelled.id,
    amount: BigInt(cancelled.amountPaid),
  };
}
