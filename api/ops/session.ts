import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import type { OpsKey } from '../../infra/config.js';
import { opsOperator } from '../auth.js';
import { opsKeysOf } from '../settings.js';

// The console's sessions are signed cookies, not rows: HMAC-SHA256 under OPS_SESSION_SECRET
// over the operator, a random session id and the expiry, and over a digest of the operator's
// key as it is now. Nothing to store or clean up, and a session ends at its expiry, at logout
// (the cookie is cleared), when the secret changes (all of them) or when the operator's key is
// changed or removed from OPS_KEYS (theirs): the way to cut off a leaked session early.

export const SESSION_COOKIE = 'ops_session';
/** Before login: a random nonce the login form's token is bound to (login CSRF). */
export const LOGIN_COOKIE = 'ops_login';
export const CONSOLE_PATH = '/ops';
const LOGIN_TTL_SECONDS = 600;

export interface SessionSettings {
  opsApiKey: string;
  opsKeys: OpsKey[];
  opsSessionSecret: string;
  opsSessionTtlMs: number;
  production: boolean;
}

export interface OpsSession {
  operator: string;
  /** Random, per login: the CSRF token is derived from it. */
  sid: string;
  expiresAt: number;
}

const b64 = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

const mac = (secret: string, ...parts: string[]): Buffer =>
  createHmac('sha256', secret).update(parts.join('\n')).digest();

const equal = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

const keyDigest = (key: string): string => createHash('sha256').update(key).digest('base64url');

const cookieOptions = (settings: SessionSettings, maxAgeSeconds: number): CookieOptions => ({
  path: CONSOLE_PATH,
  httpOnly: true,
  secure: settings.production,
  sameSite: 'Strict',
  maxAge: maxAgeSeconds,
});

const keyOf = (settings: SessionSettings, operator: string): string | undefined =>
  opsKeysOf(settings).find((k) => k.operator === operator)?.key;

function sign(settings: SessionSettings, session: OpsSession, key: string): string {
  const payload = b64(
    JSON.stringify({ o: session.operator, s: session.sid, e: session.expiresAt }),
  );
  const signature = mac(settings.opsSessionSecret, 'session', payload, keyDigest(key));
  return `${payload}.${b64(signature)}`;
}

/** The session a cookie value carries, if its signature holds, its key is current and it is unexpired. */
export function verifySession(
  settings: SessionSettings,
  value: string | undefined,
  now = Date.now(),
): OpsSession | undefined {
  if (!value || value.length > 1024) return undefined;
  const [payload, signature, extra] = value.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  let claims: { o?: unknown; s?: unknown; e?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims.o !== 'string' || typeof claims.s !== 'string' || typeof claims.e !== 'number')
    return undefined;
  const key = keyOf(settings, claims.o);
  if (key === undefined) return undefined;
  const expected = mac(settings.opsSessionSecret, 'session', payload, keyDigest(key));
  if (!equal(Buffer.from(signature, 'base64url'), expected)) return undefined;
  if (claims.e <= now) return undefined;
  return { operator: claims.o, sid: claims.s, expiresAt: claims.e };
}

/** The request's session, from its cookie. */
export const sessionOf = (c: Context, settings: SessionSettings): OpsSession | undefined =>
  verifySession(settings, getCookie(c, SESSION_COOKIE));

/** Logs in with an ops key: sets the session cookie; undefined (nothing set) for a wrong key. */
export function startSession(
  c: Context,
  settings: SessionSettings,
  candidateKey: string,
): OpsSession | undefined {
  const operator = opsOperator(candidateKey, settings);
  const key = operator === undefined ? undefined : keyOf(settings, operator);
  if (operator === undefined || key === undefined) return undefined;
  const session = {
    operator,
    sid: b64(randomBytes(16)),
    expiresAt: Date.now() + settings.opsSessionTtlMs,
  };
  setCookie(
    c,
    SESSION_COOKIE,
    sign(settings, session, key),
    cookieOptions(settings, Math.floor(settings.opsSessionTtlMs / 1000)),
  );
  deleteCookie(c, LOGIN_COOKIE, { path: CONSOLE_PATH });
  return session;
}

export function endSession(c: Context, settings: SessionSettings): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: CONSOLE_PATH,
    secure: settings.production,
    httpOnly: true,
    sameSite: 'Strict',
  });
}

/** The CSRF token of a session: the same on every form of the session, unguessable without the secret. */
export const csrfTokenOf = (settings: SessionSettings, session: OpsSession): string =>
  b64(mac(settings.opsSessionSecret, 'csrf', session.sid));

/** The login form's token, bound to a fresh nonce cookie (so a forged login post fails). */
export function loginCsrfToken(c: Context, settings: SessionSettings): string {
  let nonce = getCookie(c, LOGIN_COOKIE);
  if (!nonce || !/^[A-Za-z0-9_-]{22}$/.test(nonce)) {
    nonce = b64(randomBytes(16));
    setCookie(c, LOGIN_COOKIE, nonce, cookieOptions(settings, LOGIN_TTL_SECONDS));
  }
  return b64(mac(settings.opsSessionSecret, 'login', nonce));
}

/** Whether a submitted token is the expected one, in constant time. */
export const tokensEqual = (submitted: unknown, expected: string): boolean =>
  typeof submitted === 'string' &&
  equal(Buffer.from(submitted, 'utf8'), Buffer.from(expected, 'utf8'));

/** The login token expected for this request's nonce cookie, if it has one. */
export function expectedLoginToken(c: Context, settings: SessionSettings): string | undefined {
  const nonce = getCookie(c, LOGIN_COOKIE);
  return nonce ? b64(mac(settings.opsSessionSecret, 'login', nonce)) : undefined;
}
