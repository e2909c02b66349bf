import { type Context, Hono } from 'hono';
import { paths, resultCode } from '../../psp/momo/protocol.js';
import type { SandboxContext } from '../context.js';
import { withRequestFaults } from '../fault-gate.js';
import type { FaultOperation } from '../faults.js';
import { readOutcome, refusedPage, wantsHtml } from '../page-requests.js';
import { renderMessagePage } from '../payment-page.js';
import type { SandboxMomoPayment } from '../store.js';
import { confirmOrder, createOrder, isExpired, queryOrder, refundOrder } from './gateway.js';
import { notifyMomoMerchant, resumeMomoNotifications } from './notify.js';
import { renderMomoPage } from './page.js';
import { resultBody } from './results.js';

const summary = (payment: SandboxMomoPayment) => ({
  orderId: payment.orderId,
  status: payment.status,
  amount: payment.amount,
  resultCode: payment.resultCode,
  transId: payment.transId ?? null,
});

async function readJson(c: Context): Promise<Record<string, unknown>> {
  const body: unknown = await c.req.json().catch(() => undefined);
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/**
 * MoMo's v2 gateway: the four JSON APIs (always HTTP 200 with a resultCode, as MoMo answers)
 * and the payUrl's page, where GET shows the order and POST outcome=success|decline decides it
 * (the form for people, JSON for scripts). Deciding sends the IPN to the order's ipnUrl and
 * redirects to its redirectUrl with the same signed result. Built once per sandbox, it also
 * resumes the IPN deliveries a previous run left open.
 */
export function momoRoutes(context: SandboxContext): Hono {
  const app = new Hono();
  const api = (
    path: string,
    operation: FaultOperation | undefined,
    handle: (body: Record<string, unknown>, c: Context) => Record<string, unknown>,
  ) =>
    app.post(path, async (c) => {
      const body = await readJson(c);
      const run = async () => c.json(handle(body, c));
      return operation ? withRequestFaults(context, operation, run) : run();
    });
  api(paths.create, 'create', (body, c) => createOrder(context, body, new URL(c.req.url).origin));
  api(paths.query, 'query', (body) => queryOrder(context, body));
  api(paths.refund, 'refund', (body) => refundOrder(context, body));
  // The fault list has no confirm operation: confirm runs without injected faults.
  api(paths.confirm, undefined, (body) => confirmOrder(context, body));

  const find = (c: Context) => {
    const token = c.req.query('t') ?? '';
    return [...context.store.momoPayments.values()].find((p) => p.token === token);
  };
  const problem = (c: Context, status: 404 | 400 | 409 | 410, code: string, message: string) =>
    refusedPage(c, renderMessagePage, status, code, message);

  app.get(paths.pay, (c) => {
    const payment = find(c);
    if (!payment) return problem(c, 404, 'not_found', 'No such MoMo order.');
    if (!wantsHtml(c)) return c.json(summary(payment));
    if (payment.status !== 'pending') {
      return c.html(renderMessagePage('Already processed', `This order is ${payment.status}.`));
    }
    const { pathname, search } = new URL(c.req.url);
    return c.html(renderMomoPage(payment, `${pathname}${search}`));
  });

  app.post(paths.pay, async (c) => {
    const payment = find(c);
    const credentials = context.momo;
    if (!payment || !credentials) return problem(c, 404, 'not_found', 'No such MoMo order.');
    const outcome = await readOutcome(c);
    if (outcome !== 'success' && outcome !== 'decline') {
      return problem(c, 400, 'invalid_request', 'outcome must be success or decline');
    }
    if (payment.status !== 'pending') {
      return problem(c, 409, 'already_processed', `This order is ${payment.status}.`);
    }
    if (isExpired(context, payment)) return problem(c, 410, 'expired', 'The order has expired.');
    decide(context, payment, outcome);
    notifyMomoMerchant(context, credentials, payment);
    const query = new URLSearchParams(
      Object.entries(resultBody(credentials, payment)).map(([k, v]): [string, string] => [
        k,
        String(v),
      ]),
    );
    const returnUrl = `${payment.redirectUrl}${payment.redirectUrl.includes('?') ? '&' : '?'}${query}`;
    if (wantsHtml(c)) return c.redirect(returnUrl, 302);
    return c.json({ ...summary(payment), returnUrl });
  });

  resumeMomoNotifications(context);
  return app;
}

/** The buyer's decision; an armed create `decline` fault turns a payment into 1001. */
function decide(
  context: SandboxContext,
  payment: SandboxMomoPayment,
  outcome: 'success' | 'decline',
): void {
  const declined = outcome === 'success' && context.faults.take('create', ['decline']);
  if (outcome === 'success' && !declined) {
    payment.status = payment.autoCapture ? 'paid' : 'authorized';
    payment.resultCode = payment.autoCapture ? resultCode.success : resultCode.authorized;
  } else {
    payment.status = 'failed';
    payment.resultCode = declined ? resultCode.insufficientFunds : resultCode.userDeclined;
  }
  payment.transId = context.store.takeTransactionNo();
  payment.payType = 'qr';
  payment.decidedAt = context.now().getTime();
  context.store.changed();
  context.log.info(summary(payment), 'MoMo order decided');
}
