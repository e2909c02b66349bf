import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * payOS's collection signatures as the sandbox computes them, written from the protocol note
 * (§4A, §4B) apart from the adapter's and the SDK's, so each checks the others.
 */

/** §4A: the create request's five fields, in this fixed order, values as sent. */
export const paymentRequestText = (body: {
  amount: number;
  cancelUrl: string;
  description: string;
  orderCode: number;
  returnUrl: string;
}): string =>
  `amount=${body.amount}&cancelUrl=${body.cancelUrl}&description=${body.description}&orderCode=${body.orderCode}&returnUrl=${body.returnUrl}`;

/** §4B: answers and webhook `data`, keys sorted, null as empty, arrays as sorted-key JSON. */
export function bodyText(data: Readonly<Record<string, unknown>>): string {
  const pairs: string[] = [];
  for (const key of Object.keys(data).sort()) {
    const value = data[key];
    if (value === undefined) continue;
    pairs.push(`${key}=${valueText(value)}`);
  }
  return pairs.join('&');
}

function valueText(value: unknown): string {
  if (value === null || value === 'null' || value === 'undefined') return '';
  if (!Array.isArray(value)) return String(value);
  const sorted = value.map((element) => {
    if (element === null || typeof element !== 'object') return element;
    const entries = Object.entries(element as Record<string, unknown>);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
  return JSON.stringify(sorted);
}

export const hmacHex = (checksumKey: string, text: string): string =>
  createHmac('sha256', checksumKey).update(text, 'utf8').digest('hex');

export function sameSignature(expected: string, actual: unknown): boolean {
  if (typeof actual !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
