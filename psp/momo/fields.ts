import { createHash, randomUUID } from 'node:crypto';
import { PspPermanentError } from '../types.js';
import { orderIdMaxLength, orderIdPattern, orderInfoMaxLength } from './protocol.js';

const digest = (text: string, length: number) =>
  createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);

/** The payment's orderId is our txnRef, unchanged: it comes back in every IPN and query. */
export function assertOrderId(txnRef: string): void {
  if (txnRef.length > orderIdMaxLength || !orderIdPattern.test(txnRef)) {
    throw new PspPermanentError(
      'invalid_request',
      `txnRef must match ${orderIdPattern} in at most ${orderIdMaxLength} characters (MoMo orderId), got ${JSON.stringify(txnRef)}`,
      'momo',
    );
  }
}

/**
 * requestId (50 characters max) of a mutating call, from its idempotency key: a retry is the
 * same request to MoMo, which refuses it as a duplicate (40) rather than acting twice.
 */
export const requestIdFor = (idempotencyKey: string): string => digest(`req:${idempotencyKey}`, 40);

/**
 * A refund's own orderId, which MoMo requires to differ from the payment's: derived from the
 * refund's idempotency key, so the refund can be found again by querying it.
 */
export const refundOrderIdFor = (idempotencyKey: string): string =>
  `rf-${digest(`refund:${idempotencyKey}`, 40)}`;

/** requestId of a read: any unique value. */
export const newRequestId = (): string => randomUUID().replaceAll('-', '');

/** orderInfo/description: plain text within MoMo's length cap, never empty. */
export function toOrderInfo(text: string, fallback: string): string {
  const plain = text.replace(/\s+/g, ' ').trim().slice(0, orderInfoMaxLength).trim();
  return plain === '' ? fallback : plain;
}

/** MoMo's transId is a Long: digits only, within JSON's safe integers. */
export function transIdNumber(transId: string): number {
  if (!/^\d{1,15}$/.test(transId)) {
    throw new PspPermanentError(
      'invalid_request',
      `providerTransactionId must be MoMo's numeric transId, got ${JSON.stringify(transId)}`,
      'momo',
    );
  }
  return Number(transId);
}
