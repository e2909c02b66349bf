import { createHash } from 'node:crypto';
import { PspPermanentError } from '../types.js';

/** payOS's description cap ("Mô tả tối đa 25 kí tự", protocol note §2.2). */
export const DESCRIPTION_MAX_LENGTH = 25;

/**
 * The payment link's `orderCode` (a positive integer ≤ 2^53−1) for a txnRef: the first 53 bits
 * of SHA-256(txnRef), so a retried create names the same link and payOS refuses a second one
 * (231). Our txnRefs carry 80 random bits, so no reversible packing fits and two txnRefs can
 * share a code: for N payments the chance is about N²/2^54 (5·10⁻⁵ at a million). A clash
 * with a different amount is caught on create (idempotency_conflict); one with the same amount
 * is not visible to payOS, so whoever stores the orderCode keeps it unique (a UNIQUE column
 * makes a clash a failed insert before the create, never a shared link).
 */
export function orderCodeOf(txnRef: string): number {
  if (txnRef.length === 0) {
    throw new PspPermanentError('invalid_request', 'txnRef is empty', 'payos');
  }
  const digest = createHash('sha256').update(txnRef, 'utf8').digest();
  const code = digest.readBigUInt64BE(0) >> 11n;
  // 0 is no valid orderCode; taking 1 for it leaves every code ≤ 2^53−1.
  return Number(code === 0n ? 1n : code);
}

/**
 * The transfer description: banks carry it to the buyer's statement, so it is plain ASCII
 * (Vietnamese without diacritics) of at most 25 characters.
 */
export function paymentDescription(text: string): string {
  const plain = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replaceAll('đ', 'd')
    .replaceAll('Đ', 'D')
    .replace(/[^A-Za-z0-9 ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, DESCRIPTION_MAX_LENGTH)
    .trim();
  return plain === '' ? 'Thanh toan' : plain;
}
