// The hosted page's session: the party token lives in an HttpOnly cookie scoped to the
// escrow's page path, never in the address. Forms carry a CSRF token derived from that
// cookie's token (an HMAC under the token secret), so a form posted from elsewhere fails.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { type PartyClaims, verifyPartyToken } from '../credentials.js';
import { escrowPagePath } from './paths.js';

export const SESSION_COOKIE = 'escrow_session';
export const FLASH_COOKIE = 'escrow_flash';
export const LANG_COOKIE = 'lang';

export interface PageSettings {
  tokenSecret: string;
  secureCookies: boolean;
}

export type SessionCheck =
  | { ok: true; token: string; claims: PartyClaims }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'other_escrow' };

/** A token (from the link or the cookie) checked for this escrow. */
export function checkToken(
  token: string | undefined,
  escrowId: string,
  secret: string,
): SessionCheck {
  if (!token) return { ok: false, reason: 'missing' };
  const verified = verifyPartyToken(token, secret);
  if (!verified.ok)
    return { ok: false, reason: verified.reason === 'expired' ? 'expired' : 'invalid' };
  if (verified.claims.escrowId !== escrowId) return { ok: false, reason: 'other_escrow' };
  return { ok: true, token, claims: verified.claims };
}

export const sessionOf = (c: Context, escrowId: string, settings: PageSettings): SessionCheck =>
  checkToken(getCookie(c, SESSION_COOKIE), escrowId, settings.tokenSecret);

/** The cookie that stands for the token, until the token itself expires. */
export function startSession(
  c: Context,
  escrowId: string,
  token: string,
  claims: PartyClaims,
  settings: PageSettings,
): void {
  setCookie(c, SESSION_COOKIE, token, {
    path: escrowPagePath(escrowId),
    httpOnly: true,
    sameSite: 'Strict',
    secure: settings.secureCookies,
    expires: new Date(claims.expiresAt * 1000),
  });
}

export const endSession = (c: Context, escrowId: string, settings: PageSettings): void => {
  deleteCookie(c, SESSION_COOKIE, {
    path: escrowPagePath(escrowId),
    secure: settings.secureCookies,
  });
};

const csrfKey = (secret: string): Buffer =>
  createHmac('sha256', secret).update('escrow-engine/page-csrf/v1').digest();

/** The CSRF token of a session: bound to its party token, so it is worthless without the cookie. */
export const csrfToken = (sessionToken: string, secret: string): string =>
  createHmac('sha256', csrfKey(secret)).update(sessionToken).digest('base64url');

export function csrfMatches(given: unknown, sessionToken: string, secret: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 100) return false;
  const expected = Buffer.from(csrfToken(sessionToken, secret));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** One per rendered form: a resubmitted form is the same workflow Update (sent once). */
export const newFormNonce = (): string => randomBytes(12).toString('base64url');
export const isFormNonce = (value: unknown): value is string =>
  typeof value === 'string' && /^[A-Za-z0-9_-]{16}$/.test(value);

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/** A message for the next GET of the page (POST-redirect-GET). */
export function setFlash(c: Context, escrowId: string, flash: Flash, settings: PageSettings) {
  setCookie(c, FLASH_COOKIE, Buffer.from(JSON.stringify(flash)).toString('base64url'), {
    path: escrowPagePath(escrowId),
    httpOnly: true,
    sameSite: 'Strict',
    secure: settings.secureCookies,
    maxAge: 60,
  });
}

export function takeFlash(c: Context, escrowId: string, settings: PageSettings): Flash | undefined {
  const raw = getCookie(c, FLASH_COOKIE);
  if (!raw) return undefined;
  deleteCookie(c, FLASH_COOKIE, { path: escrowPagePath(escrowId), secure: settings.secureCookies });
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flash>;
    if ((parsed.kind === 'ok' || parsed.kind === 'error') && typeof parsed.text === 'string') {
      return { kind: parsed.kind, text: parsed.text.slice(0, 2000) };
    }
  } catch {}
  return undefined;
}
