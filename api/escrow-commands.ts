import {
  type Client,
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { EscrowTerms, Rejection } from '../domain/escrow.js';
import type { Action } from '../domain/lifecycle.js';
import type { EscrowView } from '../domain/view.js';
import type { EscrowWorkflowInput } from '../workflows/escrow.js';
import {
  ACTION_REJECTED,
  type ActionArgs,
  actionUpdates,
  escrowWorkflowId,
  type PaymentConfirmation,
  paymentConfirmedSignal,
  paymentLinkUpdate,
  stateQuery,
} from '../workflows/messages.js';

/** Refused by the workflow's validator: nothing was written; carries the reason and status. */
export class ActionRejectedError extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
    this.name = 'ActionRejectedError';
  }
}

const summary = (t: EscrowTerms) =>
  `Escrow ${t.escrowId} · ${t.amount} ${t.currency} · order ${t.reference} · platform ${t.platformId}`;

/**
 * Starts the escrow's workflow and waits for its payment link, atomically and idempotently:
 * a duplicate request finds the running workflow (USE_EXISTING) and gets the same link.
 */
export async function startEscrow(
  client: Client,
  taskQueue: string,
  input: EscrowWorkflowInput,
): Promise<EscrowView & { paymentLink: { url: string; expiresAt: string } }> {
  const { terms } = input;
  const start = new WithStartWorkflowOperation('escrowWorkflow', {
    workflowId: escrowWorkflowId(terms.escrowId),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: summary(terms),
  });
  return client.workflow.executeUpdateWithStart(paymentLinkUpdate, {
    startWorkflowOperation: start,
  });
}

/** Runs an action Update; a validator refusal becomes an ActionRejectedError. */
export async function performAction<A extends Action>(
  client: Client,
  escrowId: string,
  action: A,
  args: ActionArgs<A>,
  requestId?: string,
): Promise<EscrowView> {
  const handle = client.workflow.getHandle(escrowWorkflowId(escrowId));
  try {
    return await handle.executeUpdate(actionUpdates[action] as (typeof actionUpdates)['accept'], {
      args: [args as ActionArgs<'accept'>],
      ...(requestId ? { updateId: requestId } : {}),
    });
  } catch (error) {
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === ACTION_REJECTED) {
      throw new ActionRejectedError(cause.details?.[0] as Rejection);
    }
    throw error;
  }
}

export async function confirmPayment(
  client: Client,
  escrowId: string,
  payment: PaymentConfirmation,
): Promise<void> {
  await client.workflow
    .getHandle(escrowWorkflowId(escrowId))
    .signal(paymentConfirmedSignal, payment);
}

export async function queryEscrow(client: Client, escrowId: string): Promise<EscrowView> {
  return client.workflow.getHandle(escrowWorkflowId(escrowId)).query(stateQuery);
}
