import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { signPartyToken } from '../../api/credentials.js';
import { csrfMatches, csrfToken, startSession } from '../../api/pages/session.js';

const secret = 'test-secret';
const claims = {
  platformId: 'plt_1',
  escrowId: 'esc_1',
  role: 'buyer' as const,
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
};

describe('hosted page session', () => {
  it('production cookies are Secure, scoped to the page and expire with the token', async () => {
    const token = signPartyToken(claims, secret);
    const app = new Hono().get('/', (c) => {
      startSession(c, 'esc_1', token, claims, { tokenSecret: secret, secureCookies: true });
      return c.body(null, 204);
    });
    const cookie = (await app.request('/')).headers.get('set-cookie') ?? '';
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/e/esc_1');
    expect(cookie).toContain(`Expires=${new Date(claims.expiresAt * 1000).toUTCString()}`);
  });

  it('a CSRF token belongs to one session', () => {
    const a = signPartyToken(claims, secret);
    const b = signPartyToken({ ...claims, escrowId: 'esc_2' }, secret);
    expect(csrfMatches(csrfToken(a, secret), a, secret)).toBe(true);
    expect(csrfMatches(csrfToken(b, secret), a, secret)).toBe(false);
    expect(csrfMatches(undefined, a, secret)).toBe(false);
    expect(csrfMatches('', a, secret)).toBe(false);
  });
});
