import { createHash, randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type {
  PayoutErrorBody,
  PayoutErrorCode,
  PayoutRequestBody,
  PayoutSuccessBody,
} from '../psp/vnpay/payout.js';
import { payoutPath } from '../psp/vnpay/protocol.js';
import { hexDigestEquals, payoutSignature, payoutSignatureHeader } from '../psp/vnpay/signing.js';
import type { SandboxContext } from './context.js';
import { withRequestFaults } from './fault-gate.js';
import type { SandboxPayout } from './store.js';

const payoutRequestSchema = z.object({
  tmnCode: z.string().min(1),
  amount: z.string().regex(/^[1-9]\d{0,18}$/, 'a positive whole number of VND'),
  currency: z.string().min(1),
  destination: z.object({
    bankCode: z.string().min(1),
    accountNumber: z.string().min(1),
    accountName: z.string().min(1),
  }),
  description: z.string().max(255),
}) satisfies z.ZodType<PayoutRequestBody>;

const statusOf: Record<PayoutErrorCode, 400 | 401 | 409 | 422> = {
  invalid_request: 400,
  invalid_signature: 401,
  idempotency_conflict: 409,
  invalid_destination: 422,
  declined: 422,
  unsupported_currency: 422,
};

/** Sandbox rule: accounts are 6–20 digits, and those starting with 000 do not exist. */
const accountExists = (accountNumber: string) =>
  /^\d{6,20}$/.test(accountNumber) && !accountNumber.startsWith('000');

/** Who would be paid how much: what one idempotency key stands for. */
const fingerprint = (body: PayoutRequestBody) =>
  createHash('sha256')
    .update(
      JSON.stringify([
        body.amount,
        body.currency,
        body.destination.bankCode,
        body.destination.accountNumber,
        body.destination.accountName,
        body.description,
      ]),
    )
    .digest('hex');

/**
 * POST /payouts — the sandbox's own payout API (VNPay has none). Idempotent by the
 * Idempotency-Key header: the same key and request get the original answer, success or
 * failure; the same key for a different payout is refused. Requests and answers are signed
 * (HMAC-SHA512 of `key\nbody` in X-Signature).
 */
export function payoutRoutes(context: SandboxContext): Hono {
  const app = new Hono();
  app.post(payoutPath, (c) =>
    withRequestFaults(context, 'payout', async () => {
      const key = c.req.header('idempotency-key') ?? '';
      const text = await c.req.text();
      const send = (status: 200 | 400 | 401 | 409 | 422, body: object, replayed = false) =>
        signed(c, context, key, status, body, replayed);
      const fail = (code: PayoutErrorCode, message: string) =>
        send(statusOf[code], { error: { code, message } } satisfies PayoutErrorBody);

      if (key.length < 1 || key.length > 255) {
        return fail('invalid_request', 'Idempotency-Key header of 1 to 255 characters required');
      }
      const signature = c.req.header(payoutSignatureHeader) ?? '';
      if (!hexDigestEquals(payoutSignature(context.hashSecret, key, text), signature)) {
        return fail('invalid_signature', `${payoutSignatureHeader} does not match`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return fail('invalid_request', 'the body is not JSON');
      }
      const parsed = payoutRequestSchema.safeParse(json);
      if (!parsed.success) return fail('invalid_request', z.prettifyError(parsed.error));
      const body = parsed.data;
      if (body.tmnCode !== context.tmnCode) return fail('invalid_signature', 'unknown tmnCode');

      const earlier = context.store.payouts.get(key);
      if (earlier) {
        if (earlier.requestHash !== fingerprint(body)) {
          return fail('idempotency_conflict', `Idempotency-Key ${key} was used for another payout`);
        }
        return send(...answerOf(earlier), true);
      }
      if (body.currency !== 'VND') return fail('unsupported_currency', 'payouts are in VND');
      const payout = execute(context, key, body);
      return send(...answerOf(payout));
    }),
  );
  return app;
}

function execute(context: SandboxContext, key: string, body: PayoutRequestBody): SandboxPayout {
  const failure: SandboxPayout['failure'] = context.faults.take('payout', ['decline'])
    ? { code: 'declined', message: 'the bank declined the transfer' }
    : !accountExists(body.destination.accountNumber)
      ? { code: 'invalid_destination', message: 'the destination account does not exist' }
      : undefined;
  const payout: SandboxPayout = {
    idempotencyKey: key,
    payoutId: `po_${randomUUID().replaceAll('-', '')}`,
    status: failure ? 'failed' : 'succeeded',
    amount: body.amount,
    currency: body.currency,
    destination: body.destination,
    description: body.description,
    ...(failure ? { failure } : {}),
    requestHash: fingerprint(body),
    createdAt: new Date().toISOString(),
  };
  context.store.payouts.set(key, payout);
  context.store.changed();
  context.log.info({ key, payoutId: payout.payoutId, status: payout.status }, 'payout');
  return payout;
}

function answerOf(payout: SandboxPayout): [200 | 422, PayoutSuccessBody | PayoutErrorBody] {
  if (payout.failure) return [422, { error: payout.failure }];
  const { payoutId, amount, currency } = payout;
  return [200, { payoutId, status: 'succeeded', amount, currency }];
}

function signed(
  c: Context,
  context: SandboxContext,
  key: string,
  status: 200 | 400 | 401 | 409 | 422,
  body: object,
  replayed: boolean,
): Response {
  const text = JSON.stringify(body);
  return c.body(text, status, {
    'content-type': 'application/json',
    [payoutSignatureHeader]: payoutSignature(context.hashSecret, key, text),
    ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
  });
}
