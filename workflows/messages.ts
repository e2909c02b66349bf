// The escrow workflow's messages, defined once: the workflow sets their handlers, client.ts
// sends them. The workflow imports this file, so it holds definitions and types only.
import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionInput, Actor, DisputeMessageInput, PaymentLinkInfo } from '../domain/escrow.js';
import type { Action } from '../domain/lifecycle.js';
import type { EscrowView } from '../domain/view.js';

/** Arguments of an action Update: the action's own fields plus who is acting. */
export type ActionArgs<A extends Action> = Omit<Extract<ActionInput, { action: A }>, 'action'> &
  Actor;

/** Any one action's arguments. */
export type AnyActionArgs = { [A in Action]: ActionArgs<A> }[Action];

/** One Update per action, each typed with its own arguments; it answers with the escrow after. */
export type ActionUpdate<A extends Action> = UpdateDefinition<EscrowView, [ActionArgs<A>], A>;

const actionUpdate = <A extends Action>(action: A): ActionUpdate<A> =>
  defineUpdate<EscrowView, [ActionArgs<A>], A>(action);

export const actionUpdates: { readonly [A in Action]: ActionUpdate<A> } = {
  markShipped: actionUpdate('markShipped'),
  markDelivered: actionUpdate('markDelivered'),
  accept: actionUpdate('accept'),
  extendInspection: actionUpdate('extendInspection'),
  deliverMilestone: actionUpdate('deliverMilestone'),
  openDispute: actionUpdate('openDispute'),
  respondToDispute: actionUpdate('respondToDispute'),
  resolveDispute: actionUpdate('resolveDispute'),
  reject: actionUpdate('reject'),
  markReturnShipped: actionUpdate('markReturnShipped'),
  confirmReturn: actionUpdate('confirmReturn'),
  disputeReturn: actionUpdate('disputeReturn'),
  cancel: actionUpdate('cancel'),
  retryPayout: actionUpdate('retryPayout'),
  retryRefund: actionUpdate('retryRefund'),
};

export type PaymentLink = PaymentLinkInfo;

/** Returns once the payment link exists: clients create escrows with update-with-start. */
export const paymentLinkUpdate = defineUpdate<EscrowView & { paymentLink: PaymentLink }>(
  'paymentLink',
);

export interface PaymentConfirmation {
  providerTransactionId: string;
  amount: number;
  currency: string;
  paidAt: string;
}

/**
 * A new run of a closed escrow's workflow, started by a signal that arrived after it closed
 * (a late payment, an ops flag): it picks the escrow up from Postgres, handles the signal,
 * settles what that moved, and closes again.
 */
export interface ResumeEscrowInput {
  resume: { escrowId: string };
}

export const paymentConfirmedSignal = defineSignal<[PaymentConfirmation]>('paymentConfirmed');

/** Something outside the escrow (reconciliation) found it needs a person: the reason is kept. */
export interface AttentionFlag {
  /** Short and stable, e.g. `reconciliation_mismatch`: it lands in `attentionReasons`. */
  reason: string;
  detail: string;
}

export const attentionSignal = defineSignal<[AttentionFlag]>('flagAttention');

/**
 * Adds a message (with its files' hashes) to the escrow's dispute: a `dispute_message` event in
 * the chain. Answers once the event is in Postgres, with its seq. Sent with update-with-start,
 * so a message on a resolved dispute still lands after the workflow has closed.
 */
export const disputeMessageUpdate = defineUpdate<{ seq: number }, [DisputeMessageInput]>(
  'disputeMessage',
);

/** ApplicationFailure type of a refused dispute message (the escrow has no dispute). */
export const DISPUTE_MESSAGE_REJECTED = 'DisputeMessageRejected';

export const stateQuery = defineQuery<EscrowView>('state');

/** ApplicationFailure type of a refused action; its details carry the Rejection. */
export const ACTION_REJECTED = 'ActionRejected';
