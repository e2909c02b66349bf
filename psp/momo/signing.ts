import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * MoMo v2 signing, shared by the adapter and the sandbox: HMAC-SHA256 with the secretKey over
 * `k=v` pairs of the named fields joined with '&', values as sent (no URL encoding), hex.
 */

export type SignedValues = Readonly<Record<string, string | number | bigint | undefined>>;

export function rawSignature(fields: readonly string[], values: SignedValues): string {
  return fields.map((field) => `${field}=${values[field] ?? ''}`).join('&');
}

export function momoSignature(
  fields: readonly string[],
  values: SignedValues,
  secretKey: string,
): string {
  return createHmac('sha256', secretKey).update(rawSignature(fields, values), 'utf8').digest('hex');
}

/** Constant-time, case-insensitive comparison of the expected signature with the given one. */
export function verifyMomoSignature(
  fields: readonly string[],
  values: SignedValues,
  secretKey: string,
  signature: unknown,
): boolean {
  if (typeof signature !== 'string') return false;
  const expected = Buffer.from(momoSignature(fields, values, secretKey), 'utf8');
  const actual = Buffer.from(signature.toLowerCase(), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
