import type { MiddlewareHandler } from 'hono';
import { csrfTokenOf, type OpsSession, type SessionSettings, tokensEqual } from './session.js';

/** The hidden field every console form carries. */
export const CSRF_FIELD = '_csrf';

export interface OpsEnv {
  Variables: {
    /** Set by the session guard on every page but the login page. */
    session: OpsSession;
    /** The CSRF token of the session, for the page's forms. */
    csrf: string;
  };
}

/**
 * On a POST: the form must carry the session's CSRF token in `_csrf`, or the request is refused
 * with 403 before anything is done. The token is derived from the session id (an HMAC under
 * the session secret), so it is the same on every form of a session and unknown to other sites;
 * SameSite=Strict on the cookie is the second fence.
 */
export function requireCsrf(
  settings: SessionSettings,
  refuse: (c: Parameters<MiddlewareHandler<OpsEnv>>[0]) => Response | Promise<Response>,
): MiddlewareHandler<OpsEnv> {
  return async (c, next) => {
    const session = c.get('session');
    const expected = csrfTokenOf(settings, session);
    c.set('csrf', expected);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      if (!tokensEqual((form as Record<string, unknown>)[CSRF_FIELD], expected)) {
        return refuse(c);
      }
    }
    await next();
  };
}
