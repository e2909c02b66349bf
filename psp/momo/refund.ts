import {
  PspPermanentError,
  PspTransientError,
  type RefundInput,
  type RefundResult,
} from '../types.js';
import { refundOrderIdFor, requestIdFor, toOrderInfo, transIdNumber } from './fields.js';
import { type ApiConfig, callMomo, commonFailure } from './http.js';
import { MOMO_REFUND_LIMITS, paths, pendingCodes, resultCode, signedFields } from './protocol.js';
import { refundStatus } from './query.js';

const refusals: Partial<Record<number, PspPermanentError['code']>> = {
  [resultCode.invalidAmountRequest]: 'invalid_amount',
  [resultCode.invalidAmount]: 'invalid_amount',
  [resultCode.orderNotFound]: 'not_found',
  [resultCode.refundRejected]: 'declined',
  [resultCode.notRefundable]: 'declined',
  [resultCode.conflict]: 'declined',
};

/**
 * One refund (full or partial: MoMo tells them apart by amount only) under its own orderId and
 * requestId, both derived from the idempotency key. MoMo refuses a repeat of either (40, 41)
 * instead of replaying its answer, so a repeat is answered by querying the refund's orderId.
 */
export async function refundPayment(config: ApiConfig, input: RefundInput): Promise<RefundResult> {
  if (input.currency !== MOMO_REFUND_LIMITS.currency) {
    throw new PspPermanentError('unsupported_currency', 'MoMo refunds VND only', 'momo');
  }
  if (input.amount < MOMO_REFUND_LIMITS.min || input.amount > MOMO_REFUND_LIMITS.max) {
    throw new PspPermanentError(
      'invalid_amount',
      `MoMo refunds ${MOMO_REFUND_LIMITS.min}–${MOMO_REFUND_LIMITS.max} VND (MOMO_REFUND_LIMITS), got ${input.amount}`,
      'momo',
    );
  }
  const answer = await callMomo(config, paths.refund, signedFields.refund, {
    orderId: refundOrderIdFor(input.idempotencyKey),
    requestId: requestIdFor(input.idempotencyKey),
    amount: Number(input.amount),
    transId: transIdNumber(input.providerTransactionId),
    description: toOrderInfo(input.reason, `Refund ${input.txnRef}`),
  });
  const failure = commonFailure('refund', answer);
  if (failure) throw failure;
  const code = answer.resultCode;
  if (code === resultCode.duplicateRequestId || code === resultCode.duplicateOrderId) {
    return alreadySent(config, input);
  }
  if (code === resultCode.refundFailedRetryLater) {
    throw new PspTransientError('provider_error', `refund of ${input.txnRef}: MoMo 1080`, 'momo');
  }
  const refusal = refusals[code];
  if (refusal) {
    throw new PspPermanentError(
      refusal,
      `refund of ${input.txnRef}: MoMo answered ${code} ${String(answer.message ?? '')}`.trim(),
      'momo',
    );
  }
  if (answer.amount !== Number(input.amount)) {
    throw new PspPermanentError(
      'invalid_response',
      'refund: the answer has another amount',
      'momo',
    );
  }
  const refundId = answer.transId === undefined ? undefined : String(answer.transId);
  if (pendingCodes.has(code)) return { status: 'pending', ...(refundId ? { refundId } : {}) };
  if (code !== resultCode.success || !refundId) {
    throw new PspPermanentError('invalid_response', `refund: unexpected answer ${code}`, 'momo');
  }
  return { status: 'succeeded', refundId };
}

/** The refund's ids were used before: a retry of ours, whose outcome the query tells. */
async function alreadySent(config: ApiConfig, input: RefundInput): Promise<RefundResult> {
  const known = await refundStatus(config, input);
  switch (known.status) {
    case 'succeeded':
    case 'pending':
      return known;
    case 'failed':
      throw new PspPermanentError('declined', known.reason, 'momo');
    case 'not_found':
      // MoMo saw the requestId but has not recorded the refund yet: ask again later.
      throw new PspTransientError(
        'provider_error',
        `refund of ${input.txnRef}: MoMo holds the request but no refund under its orderId yet`,
        'momo',
      );
  }
}
