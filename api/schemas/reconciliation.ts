import { z } from '@hono/zod-openapi';
import { PageInfo, queryInteger } from './common.js';

const Amount = z.int().openapi({ description: "Minor units of the side's currency." });

const LedgerSideSchema = z
  .object({
    phase: z.enum(['pending', 'posted', 'voided']),
    amount: Amount,
    currency: z.string(),
    at: z.string().openapi({ format: 'date-time', description: 'When the entry was written.' }),
  })
  .openapi('ReconciliationLedgerSide');

const RailSideSchema = z
  .object({
    status: z.enum(['pending', 'succeeded', 'failed']),
    amount: Amount.nullable().openapi({ description: 'null: the rail did not say.' }),
    currency: z.string().nullable(),
    at: z.string().nullable().openapi({ format: 'date-time' }),
    railId: z.string().nullable().openapi({
      description: "The rail's own id: transaction number, payout id or refund id.",
    }),
  })
  .openapi('ReconciliationRailSide');

export const MismatchSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['missing_in_ledger', 'missing_at_rail', 'amount_differs', 'status_differs']),
    movement: z.enum(['payment', 'refund', 'payout']),
    reference: z.string().openapi({
      description:
        'What joins the two sides: the funding entry key for a payment, the idempotency key the rail got for a payout or refund.',
      example: 'escrow:esc_4f9a1c2b3d4e5f607182:payout:1',
    }),
    escrowId: z.string().nullable(),
    ledger: LedgerSideSchema.nullable(),
    rail: RailSideSchema.nullable(),
    detail: z.string(),
    fixed: z.boolean().openapi({
      description:
        'A succeeded payment the ledger lacked, delivered to its escrow; the others flagged the escrow for ops.',
    }),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('ReconciliationMismatch');

export const ReportSchema = z
  .object({
    id: z.string(),
    periodFrom: z.string().openapi({ format: 'date-time' }),
    periodTo: z.string().openapi({ format: 'date-time' }),
    startedAt: z.string().openapi({ format: 'date-time' }),
    finishedAt: z.string().nullable().openapi({
      format: 'date-time',
      description: 'null: still running, or the pass died (the next one covers its period).',
    }),
    checked: z.int().openapi({ description: 'Movements compared.' }),
    notes: z.array(z.string()).openapi({
      description: 'What the pass could not check, and why.',
    }),
    mismatches: z.array(MismatchSchema).openapi({
      description: 'Found first by this pass: a mismatch is reported once.',
    }),
  })
  .openapi('ReconciliationReport');

export const ReportListSchema = z.object({ data: z.array(ReportSchema), ...PageInfo });

export const ListReportsQuery = z.strictObject({
  limit: queryInteger(1, 100)
    .default(20)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 20 }),
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, 'use the nextCursor of the previous page')
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' } }),
});
