import { type GetTransactionInput, PspPermanentError, type TransactionStatus } from '../types.js';
import { formatVnpDate } from './dates.js';
import { assertTxnRef, newRequestId } from './fields.js';
import {
  amountFromVnp,
  apiResponseCode,
  queryRequestFields,
  queryResponseFields,
  transactionNoOf,
  transactionType,
  vnpVersion,
} from './protocol.js';
import { type ApiConfig, callTransactionApi, commonApiFailure } from './transaction-api.js';

/**
 * vnp_TransactionStatus of the payment record (type 01) → the payment's outcome. Refund states
 * (05, 06, 09) mean the payment itself went through; 07 (suspected fraud) waits for the
 * merchant's decision.
 */
const paymentStatus: Record<string, TransactionStatus['status']> = {
  '00': 'succeeded',
  '05': 'succeeded',
  '06': 'succeeded',
  '09': 'succeeded',
  '01': 'pending',
  '07': 'pending',
  '02': 'failed',
  '04': 'failed',
};

/**
 * querydr: VNPay's one record for a TxnRef, its checksum verified; undefined when VNPay knows no
 * such transaction (91). A read, so each call has a fresh request id.
 */
export async function querydr(
  config: ApiConfig,
  input: GetTransactionInput,
  now: Date = new Date(),
): Promise<Record<string, string> | undefined> {
  assertTxnRef(input.txnRef);
  const request = {
    vnp_RequestId: newRequestId(),
    vnp_Version: vnpVersion,
    vnp_Command: 'querydr',
    vnp_TmnCode: config.tmnCode,
    vnp_TxnRef: input.txnRef,
    vnp_TransactionDate: formatVnpDate(input.transactionDate),
    vnp_CreateDate: formatVnpDate(now),
    vnp_IpAddr: config.serverIp,
    vnp_OrderInfo: `Query ${input.txnRef}`,
  };
  const response = await callTransactionApi(config, request, {
    request: queryRequestFields,
    response: queryResponseFields,
  });
  const failure = commonApiFailure('querydr', response);
  if (failure) throw failure;
  const code = response.vnp_ResponseCode;
  if (code === apiResponseCode.notFound) return undefined;
  if (code !== apiResponseCode.success) {
    throw new PspPermanentError('invalid_response', `querydr: unexpected code ${code}`, 'vnpay');
  }
  return response;
}

const isRefundType = (type: string | undefined): boolean =>
  type === transactionType.fullRefund || type === transactionType.partialRefund;

/** What VNPay knows of a payment. */
export async function queryTransaction(
  config: ApiConfig,
  input: GetTransactionInput,
  now: Date = new Date(),
): Promise<TransactionStatus> {
  const response = await querydr(config, input, now);
  if (!response) return { status: 'not_found' };
  // Once refunded, querydr shows the refund: only a paid payment has one, but the amount and
  // transaction number are the refund's, not the payment's.
  if (isRefundType(response.vnp_TransactionType)) return { status: 'succeeded' };
  const status = paymentStatus[response.vnp_TransactionStatus ?? ''];
  const amount = amountFromVnp(response.vnp_Amount);
  if (!status || amount === undefined) {
    throw new PspPermanentError(
      'invalid_response',
      `querydr: unknown vnp_TransactionStatus or bad vnp_Amount for ${input.txnRef}`,
      'vnpay',
    );
  }
  const transactionNo = transactionNoOf(response);
  return { status, amount, ...(transactionNo ? { providerTransactionId: transactionNo } : {}) };
}
