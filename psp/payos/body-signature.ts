import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * payOS's body signature (protocol note §4B), which signs collection answers and webhook
 * `data`: top-level keys in JS default order, `key=value` joined with `&`, nothing URL-encoded.
 * Written here rather than taken from the SDK because the callback check must be synchronous
 * and constant-time; the SDK's is neither.
 */
export function canonicalBody(data: Readonly<Record<string, unknown>>): string {
  return Object.keys(data)
    .sort()
    .filter((key) => data[key] !== undefined)
    .map((key) => `${key}=${bodyValue(data[key])}`)
    .join('&');
}

/** null and the texts "null"/"undefined" sign as empty; arrays as JSON, elements' keys sorted. */
function bodyValue(value: unknown): string {
  if (value === null || value === 'null' || value === 'undefined') return '';
  if (Array.isArray(value)) return JSON.stringify(value.map(sortedOneLevel));
  return String(value);
}

function sortedOneLevel(element: unknown): unknown {
  if (element === null || typeof element !== 'object' || Array.isArray(element)) return element;
  const record = element as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]),
  );
}

export const bodySignature = (checksumKey: string, data: Readonly<Record<string, unknown>>) =>
  createHmac('sha256', checksumKey).update(canonicalBody(data), 'utf8').digest('hex');

export function verifyBodySignature(
  checksumKey: string,
  data: Readonly<Record<string, unknown>>,
  signature: string,
): boolean {
  const expected = Buffer.from(bodySignature(checksumKey, data), 'utf8');
  const actual = Buffer.from(signature.toLowerCase(), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
