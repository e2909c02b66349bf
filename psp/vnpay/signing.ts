import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * VNPay 2.1.0 signing, shared by the adapter and the sandbox PSP: one protocol, one
 * implementation, so the two can never disagree on a byte.
 */

const unsignedFields = new Set(['vnp_SecureHash', 'vnp_SecureHashType']);

export function hmacSha512Hex(secret: string, data: string): string {
  return createHmac('sha512', secret).update(data, 'utf8').digest('hex');
}

/** Case-insensitive, constant-time comparison of two hex digests. */
export function hexDigestEquals(expected: string, actual: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'utf8');
  const b = Buffer.from(actual.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The signed string of a URL's vnp_* parameters: empty values and the hash fields dropped, keys
 * sorted ascending, form-urlencoded (space → '+') and joined with '&'. URLSearchParams encodes
 * exactly like VNPay's Java reference (java.net.URLEncoder): everything but [A-Za-z0-9*-._].
 */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  const keys = Object.keys(params)
    .filter((key) => !unsignedFields.has(key) && params[key] !== '' && params[key] !== undefined)
    .sort();
  const query = new URLSearchParams();
  for (const key of keys) query.append(key, params[key] as string);
  return query.toString();
}

export function signQuery(params: Readonly<Record<string, string>>, secret: string): string {
  return hmacSha512Hex(secret, canonicalQuery(params));
}

/** The parameters with vnp_SecureHash appended, as a query string. */
export function signedQueryString(
  params: Readonly<Record<string, string>>,
  secret: string,
): string {
  const query = new URLSearchParams(canonicalQuery(params));
  query.append('vnp_SecureHash', signQuery(params, secret));
  return query.toString();
}

export function verifyQuery(params: Readonly<Record<string, string>>, secret: string): boolean {
  const hash = params.vnp_SecureHash;
  return typeof hash === 'string' && hexDigestEquals(signQuery(params, secret), hash);
}

/** merchant_webapi checksums: the named fields' values joined with '|', in the given order. */
export function checksum(
  fields: readonly string[],
  values: Readonly<Record<string, string | undefined>>,
  secret: string,
): string {
  return hmacSha512Hex(secret, fields.map((field) => values[field] ?? '').join('|'));
}

export function verifyChecksum(
  fields: readonly string[],
  values: Readonly<Record<string, string | undefined>>,
  secret: string,
): boolean {
  const hash = values.vnp_SecureHash;
  return typeof hash === 'string' && hexDigestEquals(checksum(fields, values, secret), hash);
}
