import type { z } from '@hono/zod-openapi';
import {
  ACTION_RULES,
  type Action,
  actionsAllowedIn,
  type EscrowStatus,
  type Role,
} from '../domain/lifecycle.js';
import {
  CancelBody,
  EmptyBody,
  OpenDisputeBody,
  ResolveDisputeBody,
  RespondToDisputeBody,
  RetryPayoutBody,
  ShipBody,
} from './schemas/actions.js';

export interface ApiAction {
  /** The lifecycle action (a workflow Update) behind the route. */
  action: Action;
  /** Path under /v1/escrows/{id}/, also the action's public name. */
  name: string;
  summary: string;
  body: z.ZodType;
  /** No fields: the body may be omitted. */
  bodyOptional: boolean;
}

/** The escrow action routes: POST /v1/escrows/{id}/<name>. Who may call them: ACTION_RULES. */
export const API_ACTIONS: readonly ApiAction[] = [
  {
    action: 'markShipped',
    name: 'ship',
    summary: 'Mark shipped',
    body: ShipBody,
    bodyOptional: false,
  },
  {
    action: 'markDelivered',
    name: 'deliver',
    summary: 'Mark delivered',
    body: EmptyBody,
    bodyOptional: true,
  },
  {
    action: 'accept',
    name: 'accept',
    summary: 'Accept the goods (release now)',
    body: EmptyBody,
    bodyOptional: true,
  },
  {
    action: 'extendInspection',
    name: 'extend-inspection',
    summary: 'Extend the inspection window (once)',
    body: EmptyBody,
    bodyOptional: true,
  },
  {
    action: 'cancel',
    name: 'cancel',
    summary: 'Cancel (refunds if funded)',
    body: CancelBody,
    bodyOptional: false,
  },
  {
    action: 'openDispute',
    name: 'disputes',
    summary: 'Open a dispute',
    body: OpenDisputeBody,
    bodyOptional: false,
  },
  {
    action: 'respondToDispute',
    name: 'disputes/respond',
    summary: "Answer a dispute (seller's side, once)",
    body: RespondToDisputeBody,
    bodyOptional: false,
  },
  {
    action: 'resolveDispute',
    name: 'disputes/resolve',
    summary: 'Resolve a dispute: release, refund or split (ops)',
    body: ResolveDisputeBody,
    bodyOptional: false,
  },
  {
    action: 'retryPayout',
    name: 'payout/retry',
    summary: 'Retry a failed payout (ops)',
    body: RetryPayoutBody,
    bodyOptional: true,
  },
];

const NAME_OF = Object.fromEntries(API_ACTIONS.map((a) => [a.action, a.name])) as Record<
  Action,
  string
>;

/** The public name of a lifecycle action (its route suffix). */
export const publicActionName = (action: Action): string => NAME_OF[action];

/** What a role may do in a status, by public name. */
export const allowedActionNames = (status: EscrowStatus, role: Role): string[] =>
  actionsAllowedIn(status, role).map(publicActionName);

export const rolesFor = (action: Action): readonly Role[] => ACTION_RULES[action].by;
