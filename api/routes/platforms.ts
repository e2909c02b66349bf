import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { formatIsoDuration } from '../../domain/durations.js';
import { savePlatform } from '../../store/platforms.js';
import { allow } from '../access.js';
import { issuePlatformKey, newPlatformId } from '../credentials.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { IdempotencyKeyHeader, problems, windowsToMs } from '../schemas/common.js';
import { CreatePlatformBody, PlatformSchema } from '../schemas/platforms.js';

const createPlatform = createRoute({
  method: 'post',
  path: '/v1/platforms',
  tags: ['Platforms'],
  summary: 'Create a platform (ops)',
  description:
    'Registers a tenant and returns its API key. The key is shown once, in this response, and stored only as a hash.',
  security: bearer,
  middleware: [allow(['ops'])] as const,
  request: {
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CreatePlatformBody } } },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: PlatformSchema } } },
    ...problems(400, 401, 403, 409, 413, 415, 422, 503),
  },
});

/** Replays must not show the key again: the stored copy of the response omits it. */
const withoutApiKey = (body: unknown) => {
  const { apiKey: _apiKey, ...rest } = body as Record<string, unknown>;
  return rest;
};

export function platformRoutes({ sql, idempotent }: RouteDeps) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(createPlatform, async (c) => {
    const body = c.req.valid('json');
    return idempotent(
      c,
      { body, seed: newPlatformId(), redact: withoutApiKey },
      async ({ seed }) => {
        const key = issuePlatformKey(seed);
        const platform = await savePlatform(sql, {
          id: seed,
          name: body.name,
          apiKeySha256: key.sha256,
          defaultWindows: windowsToMs(body.defaultWindows),
        });
        return c.json(
          {
            id: platform.id,
            name: platform.name,
            apiKey: key.apiKey,
            defaultWindows: Object.fromEntries(
              Object.entries(platform.defaultWindows).map(([timer, ms]) => [
                timer,
                formatIsoDuration(ms),
              ]),
            ),
            createdAt: platform.createdAt.toISOString(),
          },
          201,
        );
      },
    );
  });
}
