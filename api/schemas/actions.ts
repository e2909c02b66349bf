import { z } from '@hono/zod-openapi';
import {
  type Action,
  actionsAllowedIn,
  type EscrowStatus,
  type Role,
} from '../../domain/lifecycle.js';
import { MinorUnits, PayoutDestinationSchema, safeText } from './common.js';

export const ShipBody = z
  .strictObject({ carrier: safeText(100), trackingNumber: safeText(100) })
  .openapi('Ship', { example: { carrier: 'GHN', trackingNumber: 'GHN123456789' } });

export const EmptyBody = z.strictObject({}).openapi('NoFields', { example: {} });

export const CancelBody = z
  .strictObject({ reason: safeText(500) })
  .openapi('Cancel', { example: { reason: 'Buyer changed their mind before payment' } });

export const OpenDisputeBody = z
  .strictObject({
    reason: safeText(200),
    details: safeText(5000, { min: 0, multiline: true }).default(''),
  })
  .openapi('OpenDispute', {
    example: { reason: 'not_as_described', details: 'The lens is scratched, not mint as listed.' },
  });

export const RespondToDisputeBody = z
  .strictObject({ message: safeText(5000, { multiline: true }) })
  .openapi('RespondToDispute', {
    example: { message: 'The scratch was shown in photo 4 of the listing.' },
  });

export const ResolveDisputeBody = z
  .strictObject({
    outcome: z.enum(['release', 'refund', 'split']),
    sellerAmount: MinorUnits.min(1)
      .optional()
      .openapi({ description: 'For a split only: what the seller gets; the buyer gets the rest.' }),
  })
  .superRefine((body, ctx) => {
    if (body.outcome === 'split' && body.sellerAmount === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sellerAmount'],
        message: 'a split needs sellerAmount',
      });
    }
    if (body.outcome !== 'split' && body.sellerAmount !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sellerAmount'],
        message: `sellerAmount is only for a split, not for ${body.outcome}`,
      });
    }
  })
  .openapi('ResolveDispute', { example: { outcome: 'split', sellerAmount: 900_000 } });

export const RetryPayoutBody = z
  .strictObject({
    destination: PayoutDestinationSchema.optional().openapi({
      description: 'A corrected destination; the one on file when absent.',
    }),
  })
  .openapi('RetryPayout', {
    example: {
      destination: { bankCode: 'TCB', accountNumber: '1903456789', accountName: 'NGUYEN VAN A' },
    },
  });

export const RetryRefundBody = z
  .strictObject({
    refundId: safeText(20)
      .optional()
      .openapi({ description: 'The failed refund to retry; every failed refund when absent.' }),
    reason: safeText(500)
      .optional()
      .openapi({ description: 'A corrected reason, sent to the rail with the new attempt.' }),
  })
  .openapi('RetryRefund', { example: { refundId: '1', reason: 'Cancelled: buyer refund' } });

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
  {
    action: 'retryRefund',
    name: 'refund/retry',
    summary: 'Retry a failed refund (ops)',
    body: RetryRefundBody,
    bodyOptional: true,
  },
];

const NAME_OF = Object.fromEntries(API_ACTIONS.map((a) => [a.action, a.name])) as Record<
  Action,
  string
>;

/** What a role may do in a status, by the actions' public names. */
export const allowedActionNames = (status: EscrowStatus, role: Role): string[] =>
  actionsAllowedIn(status, role).map((action) => NAME_OF[action]);
