import { z } from '@hono/zod-openapi';

const ViolationSchema = z.object({ rule: z.string(), detail: z.string() });

export const LedgerCheckSchema = z
  .object({
    ok: z.boolean(),
    violations: z.array(ViolationSchema),
    skipped: z.array(ViolationSchema),
    checkedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('LedgerCheck', {
    description:
      'Invariants recomputed from postings in one snapshot: per currency everything sums to zero, no guarded account is negative, every terminal escrow holds nothing.',
  });

const Amount = z.int().openapi({ description: "Minor units, from the ledger's postings." });

export const EscrowLedgerSchema = z
  .object({
    escrowId: z.string(),
    currency: z.string().nullable(),
    funded: Amount,
    held: Amount,
    released: Amount,
    refunded: Amount,
    fees: Amount,
    paidOut: Amount,
  })
  .openapi('EscrowLedger', {
    description:
      "Where an escrow's money is according to the double-entry ledger (not the workflow's view): paid in, held now, released to the seller (fee included), refunded, platform fee, paid out.",
  });
