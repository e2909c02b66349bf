import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * payOS's header signature (protocol note §4C), for payout requests and answers: HMAC-SHA256
 * with the channel's checksum key over the data's keys sorted at every depth, each top-level
 * value as text (objects and arrays as compact JSON, null as empty), `key=value` pairs
 * percent-encoded and joined with `&`. Written from the note, not taken from the SDK the
 * adapter uses, so adapter and sandbox check each other.
 */
export function canonicalPayosData(data: Readonly<Record<string, unknown>>): string {
  const sorted = sortKeys(data) as Record<string, unknown>;
  return Object.entries(sorted)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(text(value))}`)
    .join('&');
}

export function payosSignature(checksumKey: string, data: Readonly<Record<string, unknown>>) {
  return createHmac('sha256', checksumKey).update(canonicalPayosData(data), 'utf8').digest('hex');
}

export function verifyPayosSignature(
  checksumKey: string,
  data: Readonly<Record<string, unknown>>,
  signature: string,
): boolean {
  const expected = Buffer.from(payosSignature(checksumKey, data), 'utf8');
  const actual = Buffer.from(signature.toLowerCase(), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

const text = (value: unknown): string =>
  value === null || value === undefined
    ? ''
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/** Keys in JS default order (UTF-16 code units) at every depth; arrays keep their order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
