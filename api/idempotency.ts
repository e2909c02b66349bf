import { createHash, randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { canonicalJson } from '../infra/canonical-json.js';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  purgeExpiredIdempotencyKeys,
  releaseIdempotencyKey,
} from '../store/idempotency.js';
import type { Principal } from './principal.js';
import { ProblemError, problemResponse } from './problem.js';
import { IDEMPOTENCY_KEY_PATTERN } from './schemas/common.js';
import type { ApiSettings } from './settings.js';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const PURGE_EVERY_MS = 10 * 60_000;

export interface IdempotentRun {
  /**
   * A value chosen by the first attempt and handed to every retry of the same key: the id of
   * the resource to create, or the Temporal update id of an action.
   */
  seed: string;
}

export interface IdempotencyOptions {
  /** The validated request body: part of what a reused key must match. */
  body: unknown;
  /** What the first attempt would use as its seed (default: a random UUID). */
  seed?: string;
  /** Hides secrets from the stored copy of the response (replays then omit them). */
  redact?: (body: unknown) => unknown;
}

export type Idempotent = <T extends Response>(
  c: Context,
  options: IdempotencyOptions,
  run: (attempt: IdempotentRun) => Promise<T>,
) => Promise<T>;

/** Whose keys these are: keys of different credentials never collide. */
export function tenantOf(principal: Principal): string {
  switch (principal.kind) {
    case 'platform':
      return `platform:${principal.platformId}`;
    case 'ops':
      return 'ops';
    case 'party':
      return `party:${principal.platformId}:${principal.escrowId}:${principal.role}`;
  }
}

/**
 * Stripe-style Idempotency-Key handling around a POST handler, after its input was validated
 * (a request that fails validation stores nothing and may be retried as is). The first
 * response below 500 is stored and replayed; a 5xx or a crash frees the key for a retry that
 * continues with the same seed, so the resource is still created only once.
 */
export function createIdempotency(deps: {
  sql: Sql;
  settings: ApiSettings;
  logger: Logger;
}): Idempotent {
  let lastPurge = 0;
  const purgeNowAndThen = () => {
    if (Date.now() - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = Date.now();
    purgeExpiredIdempotencyKeys(deps.sql).catch((err: unknown) =>
      deps.logger.warn({ err }, 'purging expired idempotency keys failed'),
    );
  };

  return async <T extends Response>(
    c: Context,
    options: IdempotencyOptions,
    run: (attempt: IdempotentRun) => Promise<T>,
  ): Promise<T> => {
    const seed = options.seed ?? randomUUID();
    const key = c.req.header(IDEMPOTENCY_HEADER);
    if (key === undefined) return run({ seed });
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new ProblemError(
        400,
        'invalid-idempotency-key',
        'Invalid Idempotency-Key',
        'An Idempotency-Key is 1 to 255 printable ASCII characters without spaces (a UUID is a good choice).',
      );
    }
    purgeNowAndThen();
    const scope = { tenant: tenantOf(c.get('principal')), key };
    const claim = await claimIdempotencyKey(deps.sql, {
      ...scope,
      method: c.req.method,
      path: c.req.path,
      requestSha256: createHash('sha256').update(canonicalJson(options.body)).digest(),
      seed,
      leaseMs: deps.settings.idempotencyLeaseMs,
      ttlMs: deps.settings.idempotencyTtlMs,
    });
    switch (claim.kind) {
      case 'mismatch':
        throw new ProblemError(
          422,
          'idempotency-key-reused',
          'Idempotency-Key reused',
          `This Idempotency-Key was already used for a different request (${claim.method} ${claim.path} with another body). Use a new key for a new request.`,
        );
      case 'in_flight':
        throw new ProblemError(
          409,
          'idempotency-key-in-use',
          'Request in progress',
          'A request with this Idempotency-Key is still being processed. Retry shortly to receive its result.',
          {},
          { 'Retry-After': '1' },
        );
      case 'replay':
        return new Response(claim.response.body, {
          status: claim.response.status,
          headers: {
            'content-type': claim.response.contentType,
            'idempotent-replayed': 'true',
          },
        }) as T;
      case 'claimed':
        break;
    }

    let response: T;
    try {
      response = await run({ seed: claim.seed ?? seed });
    } catch (error) {
      if (!(error instanceof ProblemError) || error.status >= 500) {
        await releaseIdempotencyKey(deps.sql, scope, claim.lockToken);
        throw error;
      }
      // A refusal after the request began (409 invalid state, 404 …) is its answer: stored.
      response = problemResponse(c, error) as T;
    }
    if (response.status >= 500) {
      await releaseIdempotencyKey(deps.sql, scope, claim.lockToken);
      return response;
    }
    const text = await response.clone().text();
    const stored = options.redact ? JSON.stringify(options.redact(JSON.parse(text))) : text;
    try {
      await completeIdempotencyKey(deps.sql, scope, claim.lockToken, {
        status: response.status,
        contentType: response.headers.get('content-type') ?? 'application/json',
        body: stored,
      });
    } catch (error) {
      await releaseIdempotencyKey(deps.sql, scope, claim.lockToken).catch(() => {});
      throw error;
    }
    return response;
  };
}
