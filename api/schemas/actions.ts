import { z } from '@hono/zod-openapi';
import { ACTION_RULES, type Action, type Role } from '../../domain/lifecycle.js';
import { MinorUnits, PayoutDestinationSchema, safeText } from './common.js';
import { MAX_ITEMS } from './items.js';

export const ShipBody = z
  .strictObject({ carrier: safeText(100), trackingNumber: safeText(100) })
  .openapi('Ship', { example: { carrier: 'GHN', trackingNumber: 'GHN123456789' } });

export const EmptyBody = z.strictObject({}).openapi('NoFields', { example: {} });

const ItemIds = z
  .array(safeText(64))
  .min(1)
  .max(MAX_ITEMS)
  .openapi({
    description: 'The item ids it applies to; absent: every item it can apply to.',
    example: ['sku-2'],
  });

export const AcceptBody = z
  .strictObject({ items: ItemIds.optional() })
  .openapi('Accept', { example: {} });

export const RejectBody = z
  .strictObject({ reason: safeText(500), items: ItemIds.optional() })
  .openapi('Reject', { example: { reason: 'Wrong size' } });

export const ReturnShippedBody = z
  .strictObject({
    carrier: safeText(100),
    trackingNumber: safeText(100),
    items: ItemIds.optional(),
  })
  .openapi('ReturnShipped', { example: { carrier: 'GHN', trackingNumber: 'GHNRET123' } });

export const ConfirmReturnBody = z
  .strictObject({ items: ItemIds.optional() })
  .openapi('ConfirmReturn', { example: {} });

export const CancelBody = z
  .strictObject({ reason: safeText(500) })
  .openapi('Cancel', { example: { reason: 'Buyer changed their mind before payment' } });

export const OpenDisputeBody = z
  .strictObject({
    reason: safeText(200),
    details: safeText(5000, { min: 0, multiline: true }).default(''),
    items: ItemIds.optional(),
    amount: MinorUnits.min(1).optional().openapi({
      description:
        'Dispute only this much of what the items hold (all of it when absent); the rest goes on being inspected.',
    }),
  })
  .openapi('OpenDispute', {
    example: { reason: 'not_as_described', details: 'The lens is scratched, not mint as listed.' },
  });

export const DisputeReturnBody = z
  .strictObject({
    reason: safeText(200),
    details: safeText(5000, { min: 0, multiline: true }).default(''),
    items: ItemIds.optional(),
  })
  .openapi('DisputeReturn', {
    example: {
      reason: 'not_as_sent',
      details: 'The returned camera is a different serial number.',
    },
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
    summary: 'Accept the goods or some items (release now)',
    body: AcceptBody,
    bodyOptional: true,
  },
  {
    action: 'deliverMilestone',
    name: 'milestones/deliver',
    summary: 'Deliver the current milestone (its inspection starts)',
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
    action: 'reject',
    name: 'reject',
    summary: 'Reject items under inspection (they are to be sent back)',
    body: RejectBody,
    bodyOptional: false,
  },
  {
    action: 'markReturnShipped',
    name: 'return/ship',
    summary: 'Mark the return sent back',
    body: ReturnShippedBody,
    bodyOptional: false,
  },
  {
    action: 'confirmReturn',
    name: 'return/confirm',
    summary: 'Confirm the return arrived as sent (refund follows)',
    body: ConfirmReturnBody,
    bodyOptional: true,
  },
  {
    action: 'disputeReturn',
    name: 'return/dispute',
    summary: 'Dispute the return: not as sent',
    body: DisputeReturnBody,
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

/** Of the actions the escrow allows now, those a role may take, by their public names. */
export const allowedActionNames = (allowed: readonly Action[], role: Role): string[] =>
  allowed.filter((action) => ACTION_RULES[action].by.includes(role)).map((a) => NAME_OF[a]);
