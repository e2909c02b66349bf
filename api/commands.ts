import { WorkflowNotFoundError } from '@temporalio/common';
import type { Rejection } from '../domain/escrow.js';
import type { Action, Role } from '../domain/lifecycle.js';
import type { EscrowView } from '../domain/view.js';
import { getScopedEscrow } from '../store/escrow-queries.js';
import type { ActionArgs } from '../workflows/messages.js';
import { allowedActionNames } from './actions.js';
import type { RouteDeps } from './deps.js';
import { ActionRejectedError, performAction } from './escrow-commands.js';
import { ProblemError } from './problem.js';

/** Runs a Temporal call under the API's deadline (past it: 503, safe to retry). */
export const withinDeadline = <T>(deps: RouteDeps, call: () => Promise<T>): Promise<T> =>
  deps.temporal.withDeadline(Date.now() + deps.settings.temporalTimeoutMs, call);

export function notNow(
  escrowId: string,
  status: EscrowView['status'],
  role: Role,
  detail: string,
): ProblemError {
  return new ProblemError(409, 'invalid-state', 'Not allowed now', detail, {
    escrowId,
    currentStatus: status,
    allowedActions: allowedActionNames(status, role),
  });
}

function rejectionProblem(escrowId: string, rejection: Rejection, role: Role): ProblemError {
  switch (rejection.code) {
    case 'forbidden':
      return new ProblemError(403, 'forbidden', 'Forbidden', rejection.message);
    case 'invalid_argument':
      return new ProblemError(422, 'invalid-argument', 'Invalid request', rejection.message, {
        currentStatus: rejection.status,
      });
    case 'invalid_state':
      return notNow(escrowId, rejection.status, role, rejection.message);
  }
}

/**
 * Sends an action to the escrow's workflow as `role`. Its validator's refusal becomes 403, 409
 * (with the current status and what is allowed) or 422; an escrow whose workflow has finished
 * refuses every action with 409.
 */
export async function runAction<A extends Action>(
  deps: RouteDeps,
  escrowId: string,
  action: A,
  args: ActionArgs<A>,
  updateId: string,
): Promise<EscrowView> {
  try {
    return await withinDeadline(deps, () =>
      performAction(deps.temporal, escrowId, action, args, updateId),
    );
  } catch (error) {
    if (error instanceof ActionRejectedError) {
      throw rejectionProblem(escrowId, error.rejection, args.role);
    }
    if (error instanceof WorkflowNotFoundError) {
      const escrow = await getScopedEscrow(deps.sql, { platformId: null }, escrowId);
      if (escrow) {
        throw notNow(
          escrowId,
          escrow.status,
          args.role,
          `${action} is not allowed: the escrow is ${escrow.status} and closed`,
        );
      }
    }
    throw error;
  }
}
