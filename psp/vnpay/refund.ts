import { PspPermanentError, type RefundInput, type RefundResult } from '../types.js';
import { formatVnpDate } from './dates.js';
import { assertTxnRef, requestIdFor, toOrderInfo } from './fields.js';
import {
  amountToVnp,
  apiResponseCode,
  refundRequestFields,
  refundResponseFields,
  transactionType,
  vnpVersion,
} from './protocol.js';
import { type ApiConfig, callTransactionApi, commonApiFailure } from './transaction-api.js';

export interface RefundConfig extends ApiConfig {
  /** vnp_CreateBy: who asked for the refund, as VNPay's merchant portal shows it. */
  createdBy: string;
}

const refusals: Record<string, PspPermanentError['code']> = {
  [apiResponseCode.notFound]: 'not_found',
  [apiResponseCode.invalidAmount]: 'invalid_amount',
  // VNPay already holds a refund request with this id (or one in progress for the payment).
  [apiResponseCode.duplicateRequest]: 'idempotency_conflict',
  [apiResponseCode.notRefundable]: 'declined',
};

/** One refund, idempotent by vnp_RequestId, which is derived from the idempotency key. */
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
  if (response.vnp_Amount !== request.vnp_Amount || !response.vnp_TransactionNo) {
    throw new PspPermanentError(
      'invalid_response',
      'refund: the answer does not confirm the amount or has no vnp_TransactionNo',
      'vnpay',
    );
  }
  return { refundId: response.vnp_TransactionNo, status: 'succeeded' };
}
