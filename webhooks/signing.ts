// Standard Webhooks (v1) signatures: HMAC-SHA256, keyed with the secret's decoded bytes, over
// `<webhook-id>.<webhook-timestamp>.<body>`, sent as `v1,<base64>` in `webhook-signature`.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
/** How far a timestamp may be from the receiver's clock, either way (the reference libraries' value). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The key bytes of a `whsec_…` secret. */
export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('webhook secrets start with whsec_');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (key.length < 24) throw new Error('webhook secret too short');
  return key;
}

export interface SignInput {
  secret: string;
  id: string;
  /** Unix seconds. */
  timestamp: number;
  body: string;
}

/** The `webhook-signature` value for one message: `v1,<base64 HMAC-SHA256>`. */
export function sign({ secret, id, timestamp, body }: SignInput): string {
  const mac = createHmac('sha256', secretKey(secret))
    .update(`${id}.${timestamp}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The three headers a delivery carries, signed for this moment. With several secrets (during a
 * rotation's overlap: the new one, then the previous) `webhook-signature` carries one `v1,…`
 * per secret, space-separated, and a receiver that knows either accepts it.
 */
export function signedHeaders(
  secret: string | readonly string[],
  id: string,
  body: string,
  now: Date = new Date(),
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => sign({ secret: s, id, timestamp, body })).join(' '),
  };
}

export type VerifyResult =
  | { ok: true; id: string; timestamp: number }
  | {
      ok: false;
      reason: 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature';
    };

export interface VerifyInput {
  secret: string;
  /** Header lookup, case-insensitive as HTTP headers are (e.g. `(n) => request.headers.get(n)`). */
  header: (name: string) => string | null | undefined;
  /** The raw body exactly as received, before any JSON parsing. */
  body: string;
  now?: Date;
  toleranceSeconds?: number;
}

/**
 * What a receiver does: checks the timestamp is recent, then compares, in constant time, the
 * expected signature with each space-separated `v1,…` entry (several during secret rotation).
 */
export function verify({
  secret,
  header,
  body,
  now = new Date(),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
}: VerifyInput): VerifyResult {
  const id = header('webhook-id');
  const rawTimestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !rawTimestamp || !signatures) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(rawTimestamp)) return { ok: false, reason: 'bad_timestamp' };
  const timestamp = Number(rawTimestamp);
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) {
    return { ok: false, reason: 'stale_timestamp' };
  }
  const expected = Buffer.from(sign({ secret, id, timestamp, body }).slice(3), 'base64');
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      return { ok: true, id, timestamp };
    }
  }
  return { ok: false, reason: 'bad_signature' };
}
