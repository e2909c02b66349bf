import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import { withRequestFaults } from '../fault-gate.js';
import { readOutcome, refusedPage, wantsHtml } from '../page-requests.js';
import type { SandboxPayosPayment } from '../store.js';
import { bodyText, hmacHex, paymentRequestText, sameSignature } from './body-signing.js';
import { renderCheckoutPage, renderLinkMessage } from './checkout-page.js';
import { errorReply, payosCode, refuseStranger } from './envelope.js';
import {
  createReply,
  findLink,
  makeLink,
  newReference,
  type PaymentRequestBody,
  wireLink,
} from './payment-links.js';
import { notifyPayment } from './webhooks.js';

/** payOS's create refusals (protocol note §2.7) beyond the shared ones. */
const orderCodeExists = '231';

const url = z.string().refine((text) => URL.canParse(text), 'must be a URL');
const paymentRequestSchema = z.object({
  orderCode: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  description: z.string().min(1).max(25, 'Mô tả tối đa 25 kí tự'),
  returnUrl: url,
  cancelUrl: url,
  expiredAt: z.number().int().positive().optional(),
  signature: z.string(),
}) satisfies z.ZodType<PaymentRequestBody>;

const cancelSchema = z.object({ cancellationReason: z.string().max(255).optional() }).optional();

/** `{code:"00", desc, data, signature}`, with `data` signed in the body (§4B). */
const signedBody = (checksumKey: string, data: object): Response =>
  Response.json({
    code: payosCode.success,
    desc: 'success',
    data,
    signature: hmacHex(checksumKey, bodyText(data as Record<string, unknown>)),
  });

const notFound = (id: string) =>
  errorReply(payosCode.badInput, `payment link ${id} not found`, 404);

/**
 * payOS's payment-link API (collection) at the root, with the payment channel's own credentials,
 * and its checkout page at /web/:paymentLinkId: GET shows the transfer screen, POST with
 * outcome=success|decline is the buyer's "I have paid" or "cancel" (form or JSON).
 */
export function payosPaymentRoutes(context: SandboxContext): Hono {
  const app = new Hono();
  const channel = (c: Context) => {
    if (!context.payosPayment)
      return { refused: errorReply('401', 'no payOS payment channel', 401) };
    const refused = refuseStranger(c, context.payosPayment);
    return refused ? { refused } : { checksumKey: context.payosPayment.checksumKey };
  };

  app.post('/v2/payment-requests', (c) =>
    withRequestFaults(context, 'create', async () => {
      const auth = channel(c);
      if (auth.refused) return auth.refused;
      const json: unknown = await c.req.json().catch(() => undefined);
      const parsed = paymentRequestSchema.safeParse(json);
      if (!parsed.success) return errorReply(payosCode.badInput, z.prettifyError(parsed.error));
      const body = parsed.data;
      if (!sameSignature(hmacHex(auth.checksumKey, paymentRequestText(body)), body.signature)) {
        return errorReply(payosCode.badSignature, 'Mã kiểm tra(signature) không hợp lệ');
      }
      if (context.store.payosPayments.has(String(body.orderCode))) {
        return errorReply(orderCodeExists, 'Đơn thanh toán đã tồn tại');
      }
      const link = makeLink(context, body);
      return signedBody(auth.checksumKey, createReply(new URL(c.req.url).origin, link));
    }),
  );

  app.get('/v2/payment-requests/:id', (c) =>
    withRequestFaults(context, 'query', async () => {
      const auth = channel(c);
      if (auth.refused) return auth.refused;
      const link = findLink(context, c.req.param('id'));
      return link ? signedBody(auth.checksumKey, wireLink(link)) : notFound(c.req.param('id'));
    }),
  );

  app.post('/v2/payment-requests/:id/cancel', async (c) => {
    const auth = channel(c);
    if (auth.refused) return auth.refused;
    const text = await c.req.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      return errorReply(payosCode.badInput, 'the body is not JSON');
    }
    const parsed = cancelSchema.safeParse(json);
    if (!parsed.success) return errorReply(payosCode.badInput, z.prettifyError(parsed.error));
    const link = findLink(context, c.req.param('id'));
    if (!link) return notFound(c.req.param('id'));
    if (link.status === 'PENDING') {
      link.status = 'CANCELLED';
      link.cancellationReason = parsed.data?.cancellationReason ?? null;
      link.canceledAt = context.now().toISOString();
      context.store.changed();
    } else if (link.status !== 'CANCELLED') {
      return errorReply(payosCode.badInput, `the payment link is ${link.status}`);
    }
    return signedBody(auth.checksumKey, wireLink(link));
  });

  app.get('/web/:id', (c) => {
    const link = findLink(context, c.req.param('id'));
    if (!link) return pageProblem(c, 404, 'not_found', 'No such payment link.');
    if (!wantsHtml(c)) return c.json(summary(link));
    if (link.status !== 'PENDING') {
      return c.html(renderLinkMessage('Already processed', `This payment link is ${link.status}.`));
    }
    return c.html(renderCheckoutPage(link, new URL(c.req.url).pathname));
  });

  app.post('/web/:id', async (c) => {
    const link = findLink(context, c.req.param('id'));
    if (!link) return pageProblem(c, 404, 'not_found', 'No such payment link.');
    const outcome = await readOutcome(c);
    if (outcome !== 'success' && outcome !== 'decline') {
      return pageProblem(c, 400, 'invalid_request', 'outcome must be success or decline');
    }
    if (link.status !== 'PENDING') {
      return pageProblem(c, 409, 'already_processed', `This payment link is ${link.status}.`);
    }
    decide(context, link, outcome);
    const target = returnTarget(link);
    if (wantsHtml(c)) return c.redirect(target, 302);
    return c.json({ ...summary(link), returnUrl: target });
  });

  return app;
}

/**
 * The buyer's choice: paid (FAILED instead under a create `decline` fault: the bank refused
 * the transfer) or cancelled. Only a paid link sends a webhook, as payOS documents.
 */
function decide(
  context: SandboxContext,
  link: SandboxPayosPayment,
  outcome: 'success' | 'decline',
): void {
  const now = context.now().toISOString();
  if (outcome === 'decline') {
    link.status = 'CANCELLED';
    link.cancellationReason = 'Buyer cancelled';
    link.canceledAt = now;
  } else if (context.faults.take('create', ['decline'])) {
    link.status = 'FAILED';
  } else {
    link.status = 'PAID';
    link.reference = newReference();
    link.transactionDateTime = now;
  }
  context.store.changed();
  context.log.info(summary(link), 'payOS link decided');
  if (link.status === 'PAID') notifyPayment(context, link);
}

/** §2.5: the browser comes back with code, id, cancel, status and orderCode, unsigned. */
function returnTarget(link: SandboxPayosPayment): string {
  const cancelled = link.status !== 'PAID';
  const base = cancelled ? link.cancelUrl : link.returnUrl;
  const query = new URLSearchParams({
    code: '00',
    id: link.paymentLinkId,
    cancel: String(cancelled),
    status: link.status,
    orderCode: String(link.orderCode),
  });
  return `${base}${base.includes('?') ? '&' : '?'}${query}`;
}

const summary = (link: SandboxPayosPayment) => ({
  orderCode: link.orderCode,
  paymentLinkId: link.paymentLinkId,
  status: link.status,
  amount: link.amount,
  reference: link.reference,
});

const pageProblem = (c: Context, status: 400 | 404 | 409, code: string, message: string) =>
  refusedPage(c, renderLinkMessage, status, code, message);
