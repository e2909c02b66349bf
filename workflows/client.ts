// How everything outside the worker talks to an escrow's workflow (the API, the benches, the
// tests): start it, ask it, act on it. Not part of the workflow bundle: it imports the client.
import {
  type Client,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure, type SignalDefinition } from '@temporalio/common';
import type { DisputeMessageInput, EscrowTerms, Rejection } from '../domain/escrow.js';
import type { Action } from '../domain/lifecycle.js';
import type { EscrowView } from '../domain/view.js';
import type { CheckoutWorkflowInput, checkoutWorkflow } from './checkout.js';
import {
  type CheckoutPaymentInfo,
  type CheckoutShareConfirmation,
  type CheckoutView,
  checkoutPaymentLinkUpdate,
  checkoutPaymentSignal,
  checkoutWorkflowId,
} from './checkout-messages.js';
import type { EscrowWorkflowInput, escrowWorkflow } from './escrow.js';
import {
  ACTION_REJECTED,
  type ActionArgs,
  type ActionUpdate,
  type AttentionFlag,
  actionUpdates,
  attentionSignal,
  DISPUTE_MESSAGE_REJECTED,
  disputeMessageUpdate,
  type PaymentConfirmation,
  type PaymentLink,
  paymentConfirmedSignal,
  paymentLinkUpdate,
  type ResumeEscrowInput,
  stateQuery,
} from './messages.js';

export const escrowWorkflowId = (escrowId: string): string => `escrow:${escrowId}`;

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
): Promise<EscrowView & { paymentLink: PaymentLink }> {
  const { terms } = input;
  const start = new WithStartWorkflowOperation<typeof escrowWorkflow>('escrowWorkflow', {
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

/** The escrow as its workflow sees it now (the timeline is in Postgres: `escrow_events`). */
export async function queryEscrow(client: Client, escrowId: string): Promise<EscrowView> {
  return client.workflow.getHandle(escrowWorkflowId(escrowId)).query(stateQuery);
}

/**
 * Runs an action's Update and returns the escrow after it. The workflow's validator refuses an
 * action that the escrow's status, the actor's role or the arguments do not allow: that refusal,
 * and nothing else, becomes an ActionRejectedError (nothing was written).
 */
export async function performAction<A extends Action>(
  client: Client,
  escrowId: string,
  action: A,
  args: ActionArgs<A>,
  requestId?: string,
): Promise<EscrowView> {
  const update: ActionUpdate<A> = actionUpdates[action];
  try {
    return await client.workflow.getHandle(escrowWorkflowId(escrowId)).executeUpdate(update, {
      args: [args],
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

/**
 * Delivers a signal to the escrow's workflow; when that has closed, a new run of it starts
 * (signal-with-start, picking the escrow up from Postgres) and handles the signal, so a late
 * payment is still booked and refunded and an ops flag still lands.
 */
async function signalEscrow<Arg>(
  client: Client,
  taskQueue: string,
  escrowId: string,
  signal: SignalDefinition<[Arg]>,
  arg: Arg,
): Promise<void> {
  const resume: ResumeEscrowInput = { resume: { escrowId } };
  await client.workflow.signalWithStart<typeof escrowWorkflow, [Arg]>('escrowWorkflow', {
    workflowId: escrowWorkflowId(escrowId),
    taskQueue,
    args: [resume],
    signal,
    signalArgs: [arg],
    staticSummary: `Escrow ${escrowId}, resumed for a signal after it had closed`,
  });
}

/** A payment the PSP confirmed (callback or query); the workflow ignores one it has booked. */
export async function confirmPayment(
  client: Client,
  taskQueue: string,
  escrowId: string,
  payment: PaymentConfirmation,
): Promise<void> {
  await signalEscrow(client, taskQueue, escrowId, paymentConfirmedSignal, payment);
}

/** Flags the escrow for ops with a reason (its event log and webhooks say so too). */
export async function flagAttention(
  client: Client,
  taskQueue: string,
  escrowId: string,
  flag: AttentionFlag,
): Promise<void> {
  await signalEscrow(client, taskQueue, escrowId, attentionSignal, flag);
}

/**
 * Starts a multi-seller checkout's workflow (which starts one escrow workflow per seller) and
 * waits for the cart's one payment link, atomically and idempotently as `startEscrow`.
 */
export async function startCheckout(
  client: Client,
  taskQueue: string,
  input: CheckoutWorkflowInput,
): Promise<CheckoutView & { paymentLink: PaymentLink }> {
  const start = new WithStartWorkflowOperation<typeof checkoutWorkflow>('checkoutWorkflow', {
    workflowId: checkoutWorkflowId(input.checkoutId),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Checkout ${input.checkoutId} · ${input.escrows.length} sellers · ${input.currency} · order ${input.reference} · platform ${input.platformId}`,
  });
  return client.workflow.executeUpdateWithStart(checkoutPaymentLinkUpdate, {
    startWorkflowOperation: start,
  });
}

/** A checkout as Postgres keeps it, enough to fan a payment out to its escrows. */
export interface CheckoutShares {
  checkoutId: string;
  amount: number;
  paymentLink: PaymentLink | null;
  escrows: { escrowId: string; amount: number }[];
}

/**
 * The payment of a checkout's cart (the callback verified it is the whole cart): to the
 * checkout's workflow while it runs; once it has closed, straight to each escrow (resumed if
 * closed) with its share, which it books and refunds as a late or duplicate payment.
 */
export async function confirmCheckoutPayment(
  client: Client,
  taskQueue: string,
  checkout: CheckoutShares,
  payment: PaymentConfirmation,
): Promise<'checkout' | 'escrows'> {
  try {
    await client.workflow
      .getHandle(checkoutWorkflowId(checkout.checkoutId))
      .signal(checkoutPaymentSignal, payment);
    return 'checkout';
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  const info: CheckoutPaymentInfo | undefined = checkout.paymentLink
    ? {
        checkoutId: checkout.checkoutId,
        amount: checkout.amount,
        paymentLink: checkout.paymentLink,
      }
    : undefined;
  for (const share of checkout.escrows) {
    const confirmation: CheckoutShareConfirmation = {
      ...payment,
      amount: share.amount,
      ...(info ? { checkout: info } : {}),
    };
    await confirmPayment(client, taskQueue, share.escrowId, confirmation);
  }
  return 'escrows';
}

/** Refused by the workflow: the escrow has no dispute to add a message to. */
export class DisputeMessageRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DisputeMessageRejectedError';
  }
}

/**
 * Adds a message to the escrow's dispute and waits until its `dispute_message` event is in
 * Postgres; answers with the event's seq. Update-with-start: when the workflow has closed (the
 * dispute resolved, the money settled), a new run picks the escrow up from Postgres, records
 * the message and closes again.
 */
export async function addDisputeMessage(
  client: Client,
  taskQueue: string,
  escrowId: string,
  message: DisputeMessageInput,
  updateId?: string,
): Promise<{ seq: number }> {
  const resume: ResumeEscrowInput = { resume: { escrowId } };
  const start = new WithStartWorkflowOperation<typeof escrowWorkflow>('escrowWorkflow', {
    workflowId: escrowWorkflowId(escrowId),
    taskQueue,
    args: [resume],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Escrow ${escrowId}, resumed for a dispute message after it had closed`,
  });
  try {
    return await client.workflow.executeUpdateWithStart(disputeMessageUpdate, {
      args: [message],
      startWorkflowOperation: start,
      ...(updateId ? { updateId } : {}),
    });
  } catch (error) {
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === DISPUTE_MESSAGE_REJECTED) {
      throw new DisputeMessageRejectedError(cause.message);
    }
    throw error;
  }
}
