import { z } from '@hono/zod-openapi';
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
