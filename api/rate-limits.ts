// Rate limits: per platform for authenticated requests, per client IP for the rest, one budget
// shared by every API process (fixed one-minute windows in Postgres, store/rate-limits.ts).
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import type { Sql } from '../infra/db.js';
import { PostgresRateLimitStore } from '../store/rate-limits.js';
import { tooManyRequests } from './errors.js';

export interface RateLimitSettings {
  /** Per platform (all its keys together) and per party token; 0: off. */
  platformPerMinute: number;
  /** Per client IP, for requests without a valid credential; 0: off. */
  ipPerMinute: number;
  /** Per client IP, for PSP callbacks; 0: off. */
  callbackPerMinute: number;
  /** Take the client IP from the last `X-Forwarded-For` entry (behind a trusted proxy). */
  trustProxy: boolean;
}

export interface RateLimits {
  /** After authentication: the principal's budget (ops is not limited). */
  principal: MiddlewareHandler;
  /** Requests without a valid credential, by client IP. */
  ip: MiddlewareHandler;
  /** PSP callbacks, by client IP. */
  callback: MiddlewareHandler;
}

const WINDOW_MS = 60_000;
const passThrough: MiddlewareHandler = async (_c, next) => {
  await next();
};

/** The client's address: the socket's, or what the trusted proxy in front of us saw. */
export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').pop()?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Not behind @hono/node-server (app.request in a test): one shared bucket.
    return 'unknown';
  }
}

/** The principal's bucket; undefined for ops (the operator is not limited). */
function principalKey(c: Context): string | undefined {
  const principal = c.get('principal');
  switch (principal.kind) {
    case 'platform':
      return `platform:${principal.platformId}`;
    case 'party':
      return `party:${principal.escrowId}:${principal.role}`;
    case 'ops':
      return undefined;
  }
}

export function createRateLimits(sql: Sql, settings: RateLimitSettings): RateLimits {
  const limiter = (
    name: string,
    limit: number,
    keyOf: (c: Context) => string | undefined,
  ): MiddlewareHandler => {
    if (limit <= 0) return passThrough;
    return rateLimiter({
      windowMs: WINDOW_MS,
      limit,
      standardHeaders: 'draft-6',
      store: new PostgresRateLimitStore(sql, name),
      skip: (c) => keyOf(c) === undefined,
      keyGenerator: (c) => keyOf(c) ?? '',
      handler: (c) => {
        const info = c.get('rateLimit') as { resetTime?: Date } | undefined;
        const seconds = info?.resetTime
          ? Math.max(1, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000))
          : WINDOW_MS / 1000;
        throw tooManyRequests(limit, seconds);
      },
    });
  };
  const ip = (c: Context) => clientIp(c, settings.trustProxy);
  return {
    principal: limiter('platform', settings.platformPerMinute, principalKey),
    ip: limiter('ip', settings.ipPerMinute, ip),
    callback: limiter('callback', settings.callbackPerMinute, ip),
  };
}

declare module 'hono' {
  interface ContextVariableMap {
    rateLimit: unknown;
  }
}
