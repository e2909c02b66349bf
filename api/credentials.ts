import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// The three kinds of bearer credential, told apart by their prefix:
//   sk_<platform id>.<secret>       platform API key (the secret: 256 random bits)
//   pt_<payload>.<signature>        party token: HMAC-SHA256-signed, expiring, one escrow + role
//   anything else                   compared with the ops key from configuration

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Constant-time equality of two secrets of any length (their digests are compared). */
export const secretsEqual = (a: string, b: string): boolean =>
  timingSafeEqual(sha256(a), sha256(b));

const randomId = (prefix: string): string => `${prefix}_${randomBytes(10).toString('hex')}`;
export const newPlatformId = (): string => randomId('plt');
export const newEscrowId = (): string => randomId('esc');
/** A multi-seller checkout's id; each of its escrows has an escrow id of its own. */
export const newCheckoutId = (): string => randomId('chk');

const PLATFORM_KEY = /^sk_(plt_[a-z0-9]{20})\.([A-Za-z0-9_-]{43})$/;

export interface IssuedApiKey {
  apiKey: string;
  /** What is stored: the key itself is shown once and never kept. */
  sha256: Buffer;
}

export function issuePlatformKey(platformId: string): IssuedApiKey {
  const apiKey = `sk_${platformId}.${randomBytes(32).toString('base64url')}`;
  return { apiKey, sha256: sha256(apiKey) };
}

/** The platform a key claims to belong to, or undefined when it is not shaped like a key. */
export function platformOfKey(token: string): string | undefined {
  return PLATFORM_KEY.exec(token)?.[1];
}

export function platformKeyMatches(token: string, storedSha256: Buffer): boolean {
  const digest = sha256(token);
  return digest.length === storedSha256.length && timingSafeEqual(digest, storedSha256);
}

export interface PartyClaims {
  platformId: string;
  escrowId: string;
  role: 'buyer' | 'seller';
  /** Unix seconds. */
  expiresAt: number;
}

const partyKey = (secret: string): Buffer =>
  createHmac('sha256', secret).update('escrow-engine/party-token/v1').digest();

const signPayload = (payload: string, secret: string): Buffer =>
  createHmac('sha256', partyKey(secret)).update(`pt_${payload}`).digest();

export function signPartyToken(claims: PartyClaims, secret: string): string {
  const payload = Buffer.from(
    JSON.stringify({
      v: 1,
      plt: claims.platformId,
      esc: claims.escrowId,
      role: claims.role,
      exp: claims.expiresAt,
    }),
  ).toString('base64url');
  return `pt_${payload}.${signPayload(payload, secret).toString('base64url')}`;
}

export type PartyVerification =
  | { ok: true; claims: PartyClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/** Checks the signature first, then the expiry; nothing in the payload is trusted before. */
export function verifyPartyToken(
  token: string,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): PartyVerification {
  const match = /^pt_([A-Za-z0-9_-]{1,1024})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match?.[1] || !match[2]) return { ok: false, reason: 'malformed' };
  const expected = signPayload(match[1], secret);
  const given = Buffer.from(match[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const c = claims as Record<string, unknown>;
  if (
    c.v !== 1 ||
    typeof c.plt !== 'string' ||
    typeof c.esc !== 'string' ||
    (c.role !== 'buyer' && c.role !== 'seller') ||
    typeof c.exp !== 'number'
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (c.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    claims: { platformId: c.plt, escrowId: c.esc, role: c.role, expiresAt: c.exp },
  };
}
