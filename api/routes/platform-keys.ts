import { randomBytes } from 'node:crypto';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  addPlatformKey,
  listPlatformKeys,
  MAX_ACTIVE_KEYS,
  type PlatformKey,
  revokePlatformKey,
} from '../../store/platform-keys.js';
import { findPlatform } from '../../store/platforms.js';
import { allow } from '../access.js';
import { forgetPlatformKeys } from '../auth.js';
import { issuePlatformKey } from '../credentials.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { IdempotencyKeyHeader, json, problem, problems } from '../schemas/common.js';
import {
  CreatedPlatformKeySchema,
  PlatformKeyListSchema,
  PlatformKeyParams,
} from '../schemas/platform-keys.js';
import { PlatformIdParams } from '../schemas/platform-rails.js';

// Who: ops for any platform, a platform for itself only (another platform's answers 404).
const WHO = allow(['platform', 'ops']);
const ACCESS =
  "Ops for any platform; a platform API key for its own id only (another platform's answers 404).";
const notFound = problem(404, 'No such platform or key (or not yours)');

const list = createRoute({
  method: 'get',
  path: '/v1/platforms/{id}/keys',
  tags: ['Platforms'],
  summary: "The platform's API keys (never the keys themselves)",
  description: `Its active keys: ids, prefixes, when made and last used. ${ACCESS}`,
  security: bearer,
  middleware: [WHO] as const,
  request: { params: PlatformIdParams },
  responses: {
    200: json(PlatformKeyListSchema, 'Its keys'),
    ...problems(401, 403, 422, 429, 503),
    404: notFound,
  },
});

const create = createRoute({
  method: 'post',
  path: '/v1/platforms/{id}/keys',
  tags: ['Platforms'],
  summary: 'Add an API key',
  description: `A new key beside the current one, shown once in this response and stored only as a hash: deploy it, then revoke the old one. A platform holds at most ${MAX_ACTIVE_KEYS} keys (409 beyond). ${ACCESS}`,
  security: bearer,
  middleware: [WHO] as const,
  request: { params: PlatformIdParams, headers: IdempotencyKeyHeader },
  responses: {
    201: json(CreatedPlatformKeySchema, 'Created'),
    ...problems(400, 401, 403, 422, 429, 503),
    404: notFound,
    409: problem(409, `The platform already holds ${MAX_ACTIVE_KEYS} keys: revoke one first`),
  },
});

const revoke = createRoute({
  method: 'delete',
  path: '/v1/platforms/{id}/keys/{keyId}',
  tags: ['Platforms'],
  summary: 'Revoke an API key',
  description: `Requests with it get 401 from then on (in other API processes within 30 seconds). Never the platform's last key (409). ${ACCESS}`,
  security: bearer,
  middleware: [WHO] as const,
  request: { params: PlatformKeyParams },
  responses: {
    204: { description: 'Revoked' },
    ...problems(401, 403, 422, 429, 503),
    404: notFound,
    409: problem(409, "The platform's last key: add another first"),
  },
});

const iso = (d: Date | null) => d?.toISOString() ?? null;
const present = (k: PlatformKey) => ({
  id: k.id,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: iso(k.lastUsedAt),
});

const platformNotFound = (id: string) =>
  new ProblemError(404, 'not-found', 'Platform not found', `No platform with id ${id}.`);

/** Replays must not show the key again: the stored copy of the response omits it. */
const withoutApiKey = (body: unknown) => {
  const { apiKey: _apiKey, ...rest } = body as Record<string, unknown>;
  return rest;
};

/** `/v1/platforms/{id}/keys`: a platform's API keys, two at once for rotation. */
export function platformKeyRoutes({ sql, idempotent }: RouteDeps) {
  /** 404 for a platform that does not exist, or that is not the caller's. */
  const reachable = async (c: Context, id: string) => {
    const principal = c.get('principal');
    const own =
      principal.kind === 'ops' || (principal.kind === 'platform' && principal.platformId === id);
    if (!own || !(await findPlatform(sql, id))) throw platformNotFound(id);
  };
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(list, async (c) => {
      const { id } = c.req.valid('param');
      await reachable(c, id);
      const keys = await listPlatformKeys(sql, id);
      return c.json({ data: keys.map(present) }, 200);
    })
    .openapi(create, async (c) => {
      const { id } = c.req.valid('param');
      await reachable(c, id);
      const seed = `key_${randomBytes(10).toString('hex')}`;
      return idempotent(
        c,
        { body: { platformId: id }, seed, redact: withoutApiKey },
        async (run) => {
          const issued = issuePlatformKey(id);
          const prefix = issued.apiKey.slice(0, `sk_${id}.`.length + 4);
          const added = await addPlatformKey(sql, {
            id: run.seed,
            platformId: id,
            sha256: issued.sha256,
            prefix,
          });
          if (!added.ok) {
            if (added.reason === 'not_found') throw platformNotFound(id);
            throw new ProblemError(
              409,
              'too-many-keys',
              'Too many API keys',
              `Platform ${id} already holds ${MAX_ACTIVE_KEYS} API keys; revoke one (DELETE /v1/platforms/${id}/keys/{keyId}) first.`,
            );
          }
          forgetPlatformKeys(id);
          c.header('location', `/v1/platforms/${id}/keys/${added.key.id}`);
          return c.json({ ...present(added.key), apiKey: issued.apiKey }, 201);
        },
      );
    })
    .openapi(revoke, async (c) => {
      const { id, keyId } = c.req.valid('param');
      await reachable(c, id);
      const revoked = await revokePlatformKey(sql, id, keyId);
      if (!revoked.ok) {
        if (revoked.reason === 'not_found') {
          throw new ProblemError(
            404,
            'not-found',
            'API key not found',
            `Platform ${id} has no active key ${keyId}.`,
          );
        }
        throw new ProblemError(
          409,
          'last-key',
          'Last API key',
          `Key ${keyId} is platform ${id}'s last; add another (POST /v1/platforms/${id}/keys) before revoking it.`,
        );
      }
      forgetPlatformKeys(id);
      return c.body(null, 204);
    });
}
