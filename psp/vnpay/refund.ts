import {
  PspPermanentError,
  PspTransientError,
  type RefundInput,
  type RefundResult,
} from '../types.js';
import { formatVnpDate } from './dates.js';
import { assertTxnRef, requestIdFor, toOrderInfo } from './fields.js';
import {
  amountToVnp,
  apiResponseCode,
  refundRequestFields,
  refundResponseFields,
  transactionNoOf,
  transactionType,
  vnpVersion,
} from './protocol.js';
import { refundState, refundStatus } from './refund-status.js';
import { type ApiConfig, callTransactionApi, commonApiFailure } from './transaction-api.js';

export interface RefundConfig extends ApiConfig {
  /** vnp_CreateBy: who asked for the refund, as VNPay's merchant portal shows it. */
  createdBy: string;
}

const refusals: Record<string, PspPermanentError['code']> = {
  [apiResponseCode.notFound]: 'not_found',
  [apiResponseCode.invalidAmount]: 'invalid_amount',
  [apiResponseCode.notRefundable]: 'declined',
};

/**
 * One refund, idempotent by vnp_RequestId, which is derived from the idempotency key. VNPay
 * does not replay its first answer to a repeated request id: it answers 94, as it does to a
 * refund while another is in progress, so 94 is followed by a querydr.
 */
export async function refundPayment(
  config: RefundConfig,
  input: RefundInput,
  now: Date = new Date(),
): Promise<RefundResult> {
  if (input.currency !== 'VND') {
    throw new PspPermanentError('unsupported_currency', `VNPay refunds VND only`, 'vnpay');
  }
  if (input.amount <= 0n) {
    throw new PspPermanentError('invalid_amount', `refund amount must be positive`, 'vnpay');
  }
  assertTxnRef(input.txnRef);
  const request = {
    vnp_RequestId: requestIdFor(input.idempotencyKey),
    vnp_Version: vnpVersion,
    vnp_Command: 'refund',
    vnp_TmnCode: config.tmnCode,
    vnp_TransactionType: input.full ? transactionType.fullRefund : transactionType.partialRefund,
    vnp_TxnRef: input.txnRef,
    vnp_Amount: amountToVnp(input.amount),
    vnp_TransactionNo: input.providerTransactionId,
    vnp_TransactionDate: formatVnpDate(input.transactionDate),
    vnp_CreateBy: config.createdBy,
    vnp_CreateDate: formatVnpDate(now),
    vnp_IpAddr: config.serverIp,
    vnp_OrderInfo: toOrderInfo(input.reason),
  };
  const response = await callTransactionApi(config, request, {
    request: refundRequestFields,
    response: refundResponseFields,
  });
  const failure = commonApiFailure('refund', response);
  if (failure) throw failure;
  const code = response.vnp_ResponseCode ?? '';
  if (code === apiResponseCode.duplicateRequest) return alreadyRequested(config, input, now);
  const refusal = refusals[code];
  if (refusal) {
    throw new PspPermanentError(
      refusal,
      `refund of ${input.txnRef}: VNPay answered ${code} ${response.vnp_Message ?? ''}`.trim(),
      'vnpay',
    );
  }
  if (code !== apiResponseCode.success) {
    throw new PspPermanentError('invalid_response', `refund: unexpected code ${code}`, 'vnpay');
  }
  if (response.vnp_Amount !== request.vnp_Amount) {
    throw new PspPermanentError(
      'invalid_response',
      'refund: the answer has another amount',
      'vnpay',
    );
  }
  // Accepted is not done: VNPay may still be processing it (05) or waiting on the bank (06).
  const state = refundState(response.vnp_TransactionStatus);
  const refundId = transactionNoOf(response);
  if (state === 'failed') {
    throw new PspPermanentError(
      'declined',
      `VNPay rejected the refund of ${input.txnRef}`,
      'vnpay',
    );
  }
  if (state === 'pending') return { status: 'pending', ...(refundId ? { refundId } : {}) };
  if (!refundId) {
    throw new PspPermanentError('invalid_response', 'refund: no vnp_TransactionNo', 'vnpay');
  }
  return { status: 'succeeded', refundId };
}

/**
 * VNPay already holds a refund for this payment (94): ours when this is a retry of a request
 * whose answer was lost. Only querydr tells whether it is and how it went; until it shows ours,
 * the request is retried rather than failed, since it may be ours still being recorded or
 * another refund that must end first.
 */
async function alreadyRequested(
  config: RefundConfig,
  input: RefundInput,
  now: Date,
): Promise<RefundResult> {
  const known = await refundStatus(config, input, now);
  switch (known.status) {
    case 'succeeded':
    case 'pending':
      return known;
    case 'failed':
      throw new PspPermanentError('declined', known.reason, 'vnpay');
    case 'not_found':
      throw new PspTransientError(
        'provider_error',
        `refund of ${input.txnRef}: VNPay holds a refund request (94) that querydr does not show as this one`,
        'vnpay',
      );
  }
}
