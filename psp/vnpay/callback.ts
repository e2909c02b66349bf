import type {
  CallbackAcknowledgement,
  CallbackOutcome,
  CallbackRequest,
  CallbackVerification,
} from '../types.js';
import { parseVnpDate } from './dates.js';
import { amountFromVnp, ipnAck, paymentResponseCode, transactionStatus } from './protocol.js';
import { verifyQuery } from './signing.js';

/** The vnp_* parameters of an IPN: the query, plus a form body for POSTed variants. */
function callbackParams(request: CallbackRequest): Record<string, string> {
  const params: Record<string, string> = {};
  const add = (key: string, value: string) => {
    if (key.startsWith('vnp_')) params[key] = value;
  };
  for (const [key, value] of Object.entries(request.query)) add(key, value);
  if (request.body) for (const [key, value] of new URLSearchParams(request.body)) add(key, value);
  return params;
}

/** Signature first: nothing in an unverified callback is looked at, let alone trusted. */
export function verifyVnpayCallback(
  request: CallbackRequest,
  { tmnCode, hashSecret }: { tmnCode: string; hashSecret: string },
): CallbackVerification {
  const raw = callbackParams(request);
  if (!raw.vnp_SecureHash) {
    return { ok: false, reason: 'invalid_signature', detail: 'vnp_SecureHash is missing' };
  }
  if (!verifyQuery(raw, hashSecret)) {
    return { ok: false, reason: 'invalid_signature', detail: 'vnp_SecureHash does not match' };
  }
  const malformed = (detail: string): CallbackVerification => ({
    ok: false,
    reason: 'malformed',
    detail,
  });
  if (raw.vnp_TmnCode !== tmnCode) {
    return malformed(`vnp_TmnCode ${JSON.stringify(raw.vnp_TmnCode)} is not this merchant`);
  }
  const txnRef = raw.vnp_TxnRef;
  if (!txnRef) return malformed('vnp_TxnRef is missing');
  const amount = amountFromVnp(raw.vnp_Amount);
  if (amount === undefined) return malformed('vnp_Amount is not a whole VND amount × 100');
  const providerTransactionId = raw.vnp_TransactionNo;
  if (!providerTransactionId) return malformed('vnp_TransactionNo is missing');
  if (!raw.vnp_ResponseCode || !raw.vnp_TransactionStatus) {
    return malformed('vnp_ResponseCode or vnp_TransactionStatus is missing');
  }
  const paidAt = parseVnpDate(raw.vnp_PayDate ?? '');
  if (!paidAt) return malformed('vnp_PayDate is not yyyyMMddHHmmss');
  // VNPay reports a payment as done only when both codes say so.
  const succeeded =
    raw.vnp_ResponseCode === paymentResponseCode.success &&
    raw.vnp_TransactionStatus === transactionStatus.success;
  return {
    ok: true,
    event: {
      txnRef,
      providerTransactionId,
      amount,
      currency: 'VND',
      status: succeeded ? 'succeeded' : 'failed',
      paidAt,
      raw,
    },
  };
}

export function vnpayAcknowledgement(outcome: CallbackOutcome): CallbackAcknowledgement {
  return { status: 200, body: { ...ipnAck[outcome] }, contentType: 'application/json' };
}
