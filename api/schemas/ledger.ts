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
