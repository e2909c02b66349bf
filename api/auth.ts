import type { MiddlewareHandler } from 'hono';
import type { OpsKey } from '../infra/config.js';
import type { Sql } from '../infra/db.js';
import {
  type ActiveKeyDigest,
  activeKeyDigests,
  touchPlatformKey,
} from '../store/platform-keys.js';
import {
  platformKeyMatches,
  platformOfKey,
  secretsEqual,
  verifyPartyToken,
} from './credentials.js';
import type { Principal } from './principal.js';
import { ProblemError } from './problem.js';
import { opsKeysOf } from './settings.js';

export interface AuthDeps {
  sql: Sql;
  settings: { opsApiKey: string; opsKeys: OpsKey[]; tokenSecret: string };
}

/** Platform key digests, kept briefly in memory: most requests then need no lookup. */
const DIGEST_TTL_MS = 30_000;
const DIGEST_CACHE_MAX = 10_000;
/** A key's `last_used_at` is written at most this often per process. */
const TOUCH_EVERY_MS = 60_000;

/** Every digest cache of this process, so a revocation here takes effect here at once. */
const digestCaches = new Set<Map<string, unknown>>();

/**
 * Drops a platform's cached key digests in this process (after a key is added or revoked).
 * Other API processes notice within DIGEST_TTL_MS.
 */
export function forgetPlatformKeys(platformId: string): void {
  for (const cache of digestCaches) cache.delete(platformId);
}

function keyDigests(sql: Sql): (platformId: string) => Promise<ActiveKeyDigest[]> {
  const cache = new Map<string, { digests: ActiveKeyDigest[]; until: number }>();
  digestCaches.add(cache);
  return async (platformId: string): Promise<ActiveKeyDigest[]> => {
    const hit = cache.get(platformId);
    if (hit && hit.until > Date.now()) return hit.digests;
    const digests = await activeKeyDigests(sql, platformId);
    if (cache.size >= DIGEST_CACHE_MAX) cache.clear();
    cache.set(platformId, { digests, until: Date.now() + DIGEST_TTL_MS });
    return digests;
  };
}

/** Notes a key's use now and then, without holding up the request. */
function keyToucher(sql: Sql): (keyId: string) => void {
  const touched = new Map<string, number>();
  return (keyId) => {
    if (Date.now() - (touched.get(keyId) ?? 0) < TOUCH_EVERY_MS) return;
    if (touched.size >= DIGEST_CACHE_MAX) touched.clear();
    touched.set(keyId, Date.now());
    touchPlatformKey(sql, keyId).catch(() => {
      // Best effort: "last used" is a hint, not a record.
    });
  };
}

const unauthenticated = (detail: string): ProblemError =>
  new ProblemError(401, 'unauthenticated', 'Unauthenticated', detail);

/**
 * `Authorization: Bearer <credential>` → the request's Principal (`c.get('principal')`), or 401.
 * A platform key names its platform and is checked against the stored SHA-256 in constant
 * time; a party token is checked by its HMAC then its expiry; anything else must be an ops key
 * (the single OPS_API_KEY, operator `ops`, or a named one from OPS_KEYS).
 */
export function authenticate({ sql, settings }: AuthDeps): MiddlewareHandler {
  const digestsOf = keyDigests(sql);
  const touch = keyToucher(sql);
  return async (c, next) => {
    try {
      c.set('principal', await identify(c.req.header('authorization'), digestsOf, touch, settings));
    } catch (error) {
      if (error instanceof ProblemError) c.header('WWW-Authenticate', 'Bearer realm="escrow"');
      throw error;
    }
    await next();
  };
}

async function identify(
  header: string | undefined,
  digestsOf: (platformId: string) => Promise<ActiveKeyDigest[]>,
  touch: (keyId: string) => void,
  settings: AuthDeps['settings'],
): Promise<Principal> {
  if (!header) throw unauthenticated('Send Authorization: Bearer <API key or party token>.');
  const token = /^Bearer +(\S{1,4096})$/i.exec(header.trim())?.[1];
  if (!token) throw unauthenticated('The Authorization header must be: Bearer <credential>.');
  if (token.startsWith('sk_')) {
    const platformId = platformOfKey(token);
    // Each of the platform's active keys (at most two) is compared, in constant time each.
    const digests = platformId ? await digestsOf(platformId) : [];
    const matched = digests.filter((d) => platformKeyMatches(token, d.sha256))[0];
    if (!platformId || !matched) throw unauthenticated('This API key is not valid.');
    touch(matched.id);
    return { kind: 'platform', platformId };
  }
  if (token.startsWith('pt_')) {
    const verified = verifyPartyToken(token, settings.tokenSecret);
    if (!verified.ok) {
      throw unauthenticated(
        verified.reason === 'expired'
          ? 'This party token has expired; ask the platform for a new one.'
          : 'This party token is not valid.',
      );
    }
    const { claims } = verified;
    return {
      kind: 'party',
      platformId: claims.platformId,
      escrowId: claims.escrowId,
      role: claims.role,
      expiresAt: new Date(claims.expiresAt * 1000).toISOString(),
    };
  }
  const operator = opsOperator(token, settings);
  if (operator !== undefined) return { kind: 'ops', operator };
  throw unauthenticated('This credential is not valid.');
}

/**
 * The operator whose ops key this is, or undefined. Every key is compared, each in constant
 * time, so how long it takes says nothing about which key (or how much of one) matched.
 */
export function opsOperator(
  candidate: string,
  settings: Pick<AuthDeps['settings'], 'opsApiKey' | 'opsKeys'>,
): string | undefined {
  let found: string | undefined;
  for (const { operator, key } of opsKeysOf(settings)) {
    if (secretsEqual(candidate, key) && found === undefined) found = operator;
  }
  return found;
}
