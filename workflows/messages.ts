// The escrow workflow's messages, shared by the workflow and its clients (API, tests).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionInput } from '../domain/escrow.js';
import type { Action, Role } from '../domain/lifecycle.js';
import type { EscrowView } from '../domain/view.js';

export const escrowWorkflowId = (escrowId: string): string => `escrow:${escrowId}`;

/** Arguments of an action Update: the action's own fields plus who is acting. */
export type ActionArgs<A extends Action> = Omit<Extract<ActionInput, { action: A }>, 'action'> & {
  role: Role;
  actorId?: string;
};

const actionUpdate = <A extends Action>(action: A) =>
  defineUpdate<EscrowView, [ActionArgs<A>]>(action);

export const actionUpdates = {
  markShipped: actionUpdate('markShipped'),
  markDelivered: actionUpdate('markDelivered'),
  accept: actionUpdate('accept'),
  extendInspection: actionUpdate('extendInspection'),
  openDispute: actionUpdate('openDispute'),
  respondToDispute: actionUpdate('respondToDispute'),
  resolveDispute: actionUpdate('resolveDispute'),
  cancel: actionUpdate('cancel'),
  retryPayout: actionUpdate('retryPayout'),
} as const;

/** Returns once the payment link exists: the API creates escrows with update-with-start. */
export const paymentLinkUpdate = defineUpdate<EscrowView & { paymentLink: PaymentLink }>(
  'paymentLink',
);

export interface PaymentLink {
  url: string;
  expiresAt: string;
  /** The provider's transaction date, needed again to refund the payment. */
  createdAt: string;
}

export interface PaymentConfirmation {
  providerTransactionId: string;
  amount: number;
  currency: string;
  paidAt: string;
}

export const paymentConfirmedSignal = defineSignal<[PaymentConfirmation]>('paymentConfirmed');

export const stateQuery = defineQuery<EscrowView>('state');

/** ApplicationFailure type of a refused action; its details carry the Rejection. */
export const ACTION_REJECTED = 'ActionRejected';
