import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { RAILS, type Rail } from '../../domain/rails.js';
import {
  deletePlatformRail,
  listPlatformRails,
  type PlatformRail,
  putPlatformRail,
} from '../../store/platform-rails.js';
import { findPlatform } from '../../store/platforms.js';
import { allow } from '../access.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { json, problem, problems } from '../schemas/common.js';
import {
  PlatformIdParams,
  PlatformRailListSchema,
  PlatformRailParams,
  PlatformRailSchema,
  RAIL_CREDENTIAL_BODIES,
} from '../schemas/platform-rails.js';

// Who: ops for any platform (onboarding a merchant account), a platform for itself only. Another
// platform's rails answer 404, as its escrows do: ids of other tenants are not confirmed.
const WHO = allow(['platform', 'ops']);

const notFound = problem(404, 'No such platform (or not yours)');

const ACCESS =
  "Ops for any platform; a platform API key for its own id only (another platform's answers 404).";

const putRoute = (rail: Rail) =>
  createRoute({
    method: 'put',
    path: `/v1/platforms/{id}/rails/${rail}`,
    tags: ['Platforms'],
    summary: `Set the platform's ${rail} credentials`,
    description: `Enables ${rail} for the platform with its own merchant account, or replaces the credentials. They are stored encrypted and never returned. From then on the platform's escrows may use only its configured rails, and their payments, refunds and callbacks use these credentials. ${ACCESS}`,
    security: bearer,
    middleware: [WHO] as const,
    request: {
      params: PlatformIdParams,
      body: {
        required: true,
        content: { 'application/json': { schema: RAIL_CREDENTIAL_BODIES[rail] } },
      },
    },
    responses: {
      200: json(PlatformRailSchema, 'Set; the credentials are not echoed'),
      ...problems(400, 401, 403, 413, 415, 422, 503),
      404: notFound,
    },
  });

const list = createRoute({
  method: 'get',
  path: '/v1/platforms/{id}/rails',
  tags: ['Platforms'],
  summary: "The platform's own rails",
  description: `Which rails the platform configured, in order of preference, and when: never the credentials. ${ACCESS}`,
  security: bearer,
  middleware: [WHO] as const,
  request: { params: PlatformIdParams },
  responses: {
    200: json(PlatformRailListSchema, 'Its rails'),
    ...problems(401, 403, 422, 503),
    404: notFound,
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/v1/platforms/{id}/rails/{rail}',
  tags: ['Platforms'],
  summary: "Remove one of the platform's rails",
  description: `Forgets the rail's credentials; new escrows can no longer choose it (with no rails left, the platform is back on the deployment's). Escrows already on the rail fall back to the deployment's credentials for it. Idempotent: 204 whether or not it was set. ${ACCESS}`,
  security: bearer,
  middleware: [WHO] as const,
  request: { params: PlatformRailParams },
  responses: {
    204: { description: 'Removed' },
    ...problems(401, 403, 422, 503),
    404: notFound,
  },
});

const present = (r: PlatformRail) => ({
  rail: r.rail,
  position: r.position,
  configuredAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export function platformRailRoutes({ sql, secretBox }: RouteDeps) {
  /** 404 for a platform that does not exist, or that is not the caller's. */
  const reachable = async (c: Context, id: string) => {
    const principal = c.get('principal');
    const own =
      principal.kind === 'ops' || (principal.kind === 'platform' && principal.platformId === id);
    if (!own || !(await findPlatform(sql, id))) {
      throw new ProblemError(404, 'not-found', 'Platform not found', `No platform with id ${id}.`);
    }
  };
  const app = new OpenAPIHono({ defaultHook: validationHook });
  for (const rail of RAILS) {
    app.openapi(putRoute(rail), async (c) => {
      const { id } = c.req.valid('param');
      const { position, ...credentials } = c.req.valid('json');
      await reachable(c, id);
      const saved = await putPlatformRail(sql, secretBox, {
        platformId: id,
        rail,
        credentials,
        position,
      });
      return c.json(present(saved), 200);
    });
  }
  return app
    .openapi(list, async (c) => {
      const { id } = c.req.valid('param');
      await reachable(c, id);
      return c.json({ data: (await listPlatformRails(sql, id)).map(present) }, 200);
    })
    .openapi(remove, async (c) => {
      const { id, rail } = c.req.valid('param');
      await reachable(c, id);
      await deletePlatformRail(sql, id, rail);
      return c.body(null, 204);
    });
}
