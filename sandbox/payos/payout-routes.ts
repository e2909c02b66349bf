import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import { withRequestFaults } from '../fault-gate.js';
import { errorReply, payosCode, refuseStranger, signedReply } from './envelope.js';
import { makePayout, type PayoutRequestBody, readPayout } from './payouts.js';
import { canonicalPayosData, verifyPayosSignature } from './signing.js';

const payoutRequestSchema = z.strictObject({
  referenceId: z.string().min(1).max(255),
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  description: z.string().min(1).max(255),
  toBin: z.string().regex(/^\d{6}$/, "the bank's 6-digit BIN"),
  toAccountNumber: z.string().min(1).max(30),
  category: z.array(z.string()).optional(),
}) satisfies z.ZodType<PayoutRequestBody>;

const listQuerySchema = z.object({
  referenceId: z.string().optional(),
  fromDate: z.iso.datetime({ offset: true }).optional(),
  toDate: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
  offset: z.coerce.number().int().min(0).default(0),
});

const badInput = (desc: string) => errorReply(payosCode.badInput, desc);

/**
 * payOS's payout API (chi hộ) at the root, as payOS serves it, with the payout channel's own
 * credentials. Creates are idempotent by `x-idempotency-key` (our choice, payOS documents none):
 * the same key and body get the stored answer, the same key with another body a 409.
 */
export function payosPayoutRoutes(context: SandboxContext): Hono {
  const app = new Hono();
  const create = (c: Context) =>
    withRequestFaults(context, 'payout', async () => createPayout(context, c));
  // The Node SDK posts to `/v1/payouts/`, the Python SDK and the official sample without `/`.
  app.post('/v1/payouts', create);
  app.post('/v1/payouts/', create);

  app.get('/v1/payouts', (c) => {
    const refused = refuseStranger(c, context.payosPayout);
    if (refused) return refused;
    const parsed = listQuerySchema.safeParse(c.req.query());
    if (!parsed.success) return badInput(z.prettifyError(parsed.error));
    const { referenceId, limit, offset } = parsed.data;
    const from = parsed.data.fromDate ? Date.parse(parsed.data.fromDate) : -Infinity;
    const to = parsed.data.toDate ? Date.parse(parsed.data.toDate) : Infinity;
    const matching = [...context.store.payouts.values()].filter((record) => {
      const createdAt = Date.parse(record.createdAt);
      return (
        (referenceId === undefined || record.referenceId === referenceId) &&
        createdAt >= from &&
        createdAt <= to
      );
    });
    const page = matching.slice(offset, offset + limit);
    return signedReply(context.payosPayout.checksumKey, {
      payouts: page.map((record) => readPayout(context, record)),
      pagination: {
        limit,
        offset,
        total: matching.length,
        count: page.length,
        hasMore: offset + page.length < matching.length,
      },
    });
  });

  app.get('/v1/payouts/:id', (c) => {
    const refused = refuseStranger(c, context.payosPayout);
    if (refused) return refused;
    const id = c.req.param('id');
    const record = [...context.store.payouts.values()].find((r) => r.payoutId === id);
    if (!record) return errorReply(payosCode.badInput, `payout ${id} not found`, 404);
    return signedReply(context.payosPayout.checksumKey, readPayout(context, record));
  });
  return app;
}

async function createPayout(context: SandboxContext, c: Context): Promise<Response> {
  const { checksumKey } = context.payosPayout;
  const refused = refuseStranger(c, context.payosPayout);
  if (refused) return refused;
  const key = c.req.header('x-idempotency-key') ?? '';
  if (key.length < 1 || key.length > 255) {
    return badInput('x-idempotency-key header of 1 to 255 characters required');
  }
  let json: unknown;
  try {
    json = JSON.parse(await c.req.text());
  } catch {
    return badInput('the body is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return badInput('the body is not a JSON object');
  }
  const body = json as Record<string, unknown>;
  if (!verifyPayosSignature(checksumKey, body, c.req.header('x-signature') ?? '')) {
    return errorReply(payosCode.badSignature, 'Mã kiểm tra(signature) không hợp lệ');
  }
  const parsed = payoutRequestSchema.safeParse(body);
  if (!parsed.success) return badInput(z.prettifyError(parsed.error));

  const requestHash = createHash('sha256').update(canonicalPayosData(body)).digest('hex');
  const earlier = context.store.payouts.get(key);
  if (earlier) {
    if (earlier.requestHash !== requestHash) {
      return errorReply(
        payosCode.badInput,
        `x-idempotency-key ${key} was used for another payout`,
        409,
      );
    }
    return signedReply(checksumKey, earlier.createReply);
  }
  return signedReply(checksumKey, makePayout(context, key, parsed.data, requestHash).createReply);
}
