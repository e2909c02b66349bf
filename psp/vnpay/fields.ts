import { createHash, randomUUID } from 'node:crypto';
import { PspPermanentError } from '../types.js';

/** Field values VNPay accepts: its length caps and character sets. */

const txnRefPattern = /^[A-Za-z0-9_-]{1,100}$/;
const orderInfoMaxLength = 255;

/** vnp_TxnRef is ours and comes back in every callback, so it is passed through, not hashed. */
export function assertTxnRef(txnRef: string): void {
  if (!txnRefPattern.test(txnRef)) {
    throw new PspPermanentError(
      'invalid_request',
      `txnRef must match ${txnRefPattern} (VNPay vnp_TxnRef), got ${JSON.stringify(txnRef)}`,
      'vnpay',
    );
  }
}

/**
 * vnp_RequestId (32 characters max) for a mutating call: derived from the idempotency key, so
 * a retry is the same request to VNPay and the sandbox.
 */
export const requestIdFor = (idempotencyKey: string): string =>
  createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 32);

/** vnp_RequestId for a read: any unique value will do. */
export const newRequestId = (): string => randomUUID().replaceAll('-', '');

/**
 * vnp_OrderInfo: Vietnamese without diacritics, and only characters that every VNPay reference
 * implementation URL-encodes the same way, so the signature cannot depend on whose code
 * encoded it.
 */
export function toOrderInfo(text: string): string {
  const plain = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replaceAll('đ', 'd')
    .replaceAll('Đ', 'D')
    .replace(/[^A-Za-z0-9 ,.:#/_-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, orderInfoMaxLength)
    .trim();
  return plain === '' ? 'Payment' : plain;
}
