import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Rejection } from '../../domain/escrow.js';
import { ACTION_RULES, type Action, type EscrowStatus, type Role } from '../../domain/lifecycle.js';
import { getScopedEscrow } from '../../store/escrow-queries.js';
import { ActionRejectedError, performAction } from '../../workflows/client.js';
import type { ActionArgs } from '../../workflows/messages.js';
import { allow, forbidden, visibleEscrow } from '../access.js';
import { type RouteDeps, withinDeadline } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { presentEscrow } from '../presenters.js';
import { type Principal, roleOf } from '../principal.js';
import { ProblemError } from '../problem.js';
import { API_ACTIONS, type ApiAction, allowedActionNames } from '../schemas/actions.js';
import { EscrowIdParams, IdempotencyKeyHeader, problems } from '../schemas/common.js';
import { EscrowSchema } from '../schemas/escrows.js';

const ROLE_LABEL = {
  platform: 'platform',
  ops: 'ops',
  buyer: 'buyer token',
  seller: 'seller token',
};

function actionRoute(spec: ApiAction) {
  const roles = ACTION_RULES[spec.action].by;
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

/** Who acted, as the escrow's event log names them. */
export const actorOf = (principal: Principal): string =>
  principal.kind === 'platform'
    ? principal.platformId
    : principal.kind === 'party'
      ? `${principal.role}-token`
      : 'ops';

/** 409: the escrow's status does not allow the action; says the status and what is allowed. */
function notAllowedNow(
  escrowId: string,
  status: EscrowStatus,
  allowed: readonly Action[],
  role: Role,
  detail: string,
): ProblemError {
  return new ProblemError(409, 'invalid-state', 'Not allowed now', detail, {
    escrowId,
    currentStatus: status,
    allowedActions: allowedActionNames(allowed, role),
  });
}

/** The workflow validator's refusal as a problem: 403, 409 or 422. */
function refusal(escrowId: string, rejection: Rejection, role: Role): ProblemError {
  switch (rejection.code) {
    case 'forbidden':
      return forbidden(rejection.message);
    case 'invalid_argument':
      return new ProblemError(422, 'invalid-argument', 'Invalid request', rejection.message, {
        currentStatus: rejection.status,
      });
    case 'invalid_state':
      return notAllowedNow(
        escrowId,
        rejection.status,
        rejection.allowedActions,
        role,
        rejection.message,
      );
  }
}

/**
 * Sends the action to the escrow's workflow. A refusal by its validator becomes 403, 409 or
 * 422; an escrow whose workflow has finished refuses every action with 409.
 */
export async function act<A extends Action>(
  deps: RouteDeps,
  escrowId: string,
  action: A,
  args: ActionArgs<A>,
  updateId: string,
) {
  try {
    return await withinDeadline(deps, () =>
      performAction(deps.temporal, escrowId, action, args, updateId),
    );
  } catch (error) {
    if (error instanceof ActionRejectedError) {
      throw refusal(escrowId, error.rejection, args.role);
    }
    if (error instanceof WorkflowNotFoundError) {
      const escrow = await getScopedEscrow(deps.sql, { platformId: null }, escrowId);
      if (escrow) {
        throw notAllowedNow(
          escrowId,
          escrow.status,
          escrow.view.allowedActions,
          args.role,
          `${action} is not allowed: the escrow is ${escrow.status} and closed`,
        );
      }
    }
    throw error;
  }
}

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
        // The route's schema admitted this action's fields only; the validator checks the rest.
        const args = { ...body, role, actorId: actorOf(principal) } as ActionArgs<Action>;
        const view = await act(deps, id, spec.action, args, `api-${seed}`);
        return c.json(presentEscrow(view, role), 200);
      });
    });
  }
  return app;
}
