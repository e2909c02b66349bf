import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Action } from '../../domain/lifecycle.js';
import type { ActionArgs } from '../../workflows/messages.js';
import { allow, visibleEscrow } from '../access.js';
import { API_ACTIONS, type ApiAction, rolesFor } from '../actions.js';
import { runAction } from '../commands.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { presentEscrow } from '../presenters.js';
import { type Principal, roleOf } from '../principal.js';
import { EscrowIdParams, IdempotencyKeyHeader, problems } from '../schemas/common.js';
import { EscrowSchema } from '../schemas/escrows.js';

const ROLE_LABEL = {
  platform: 'platform',
  ops: 'ops',
  buyer: 'buyer token',
  seller: 'seller token',
};

function actionRoute(spec: ApiAction) {
  const roles = rolesFor(spec.action);
  return createRoute({
    method: 'post',
    path: `/v1/escrows/{id}/${spec.name}`,
    tags: ['Actions'],
    summary: spec.summary,
    description: `Allowed for: ${roles.map((r) => ROLE_LABEL[r]).join(', ')}. Refused with 409 (current status and allowed actions) when the escrow's status does not allow it.`,
    security: bearer,
    middleware: [allow(roles)] as const,
    request: {
      params: EscrowIdParams,
      headers: IdempotencyKeyHeader,
      body: {
        required: !spec.bodyOptional,
        content: { 'application/json': { schema: spec.body } },
      },
    },
    responses: {
      200: {
        description: 'Done: the escrow after the action',
        content: { 'application/json': { schema: EscrowSchema } },
      },
      ...problems(400, 401, 403, 404, 409, 413, 415, 422, 503),
    },
  });
}

/** Who acted, for the escrow's history. */
const actorOf = (principal: Principal): string =>
  principal.kind === 'platform'
    ? principal.platformId
    : principal.kind === 'party'
      ? `${principal.role}-token`
      : 'ops';

/** POST /v1/escrows/{id}/<action> for every lifecycle action, each a workflow Update. */
export function escrowActionRoutes(deps: RouteDeps) {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  for (const spec of API_ACTIONS) {
    app.openapi(actionRoute(spec), async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json') as Record<string, unknown>;
      const principal = c.get('principal');
      const role = roleOf(principal);
      await visibleEscrow(c, deps.sql, id);
      return deps.idempotent(c, { body }, async ({ seed }) => {
        const args = { ...body, role, actorId: actorOf(principal) } as ActionArgs<Action>;
        const view = await runAction(deps, id, spec.action, args, `api-${seed}`);
        return c.json(presentEscrow(view, role), 200);
      });
    });
  }
  return app;
}
