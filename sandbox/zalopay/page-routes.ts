import { type Context, Hono } from 'hono';
import { yymmdd } from '../../psp/zalopay/ids.js';
import { redirectChecksum } from '../../psp/zalopay/signing.js';
import type { SandboxContext } from '../context.js';
import { withRequestFaults } from '../fault-gate.js';
import { readOutcome, refusedPage, wantsHtml } from '../page-requests.js';
import type { SandboxZalopayOrder } from '../store.js';
import type { ZalopayApp } from './app.js';
import { notifyPaid } from './callbacks.js';
import { renderZalopayMessage, renderZalopayPage } from './page.js';

/** order_url's path, as ZaloPay's gateway names it. */
export const paymentPagePath = '/openinapp';
/** The redirect's status for a failed payment; ZaloPay documents 1 for success only. */
const failedRedirectStatus = '-1';

const problem = (c: Context, status: 400 | 404 | 409 | 410, code: string, message: string) =>
  refusedPage(c, renderZalopayMessage, status, code, message);

const summary = (order: SandboxZalopayOrder) => ({
  appTransId: order.appTransId,
  status: order.status,
  amount: order.amount,
  zpTransId: order.zpTransId ?? null,
});

/**
 * The order_url: GET shows the gateway page, POST with outcome=success|decline decides it, as
 * the page's form does for people and scripts do with JSON. Deciding calls the merchant back
 * (paid orders only: ZaloPay calls back for money received) and sends the browser to
 * embed_data.redirecturl with ZaloPay's signed redirect parameters.
 */
export function zalopayPageRoutes(context: SandboxContext): Hono {
  const app = new Hono();
  const find = (c: Context) => {
    const token = c.req.query('order') ?? '';
    return [...context.store.zalopayOrders.values()].find((o) => o.token === token);
  };

  app.get(paymentPagePath, (c) => {
    const order = find(c);
    if (!order) return problem(c, 404, 'not_found', 'No such order.');
    if (!wantsHtml(c)) return c.json(summary(order));
    if (order.status !== 'pending') {
      return c.html(renderZalopayMessage('Already processed', `This order is ${order.status}.`));
    }
    const { pathname, search } = new URL(c.req.url);
    return c.html(renderZalopayPage(order, `${pathname}${search}`));
  });

  app.post(paymentPagePath, (c) =>
    withRequestFaults(context, 'create', async () => {
      const order = find(c);
      const zalopay = context.zalopay;
      if (!order || !zalopay) return problem(c, 404, 'not_found', 'No such order.');
      const outcome = await readOutcome(c);
      if (outcome !== 'success' && outcome !== 'decline') {
        return problem(c, 400, 'invalid_request', 'outcome must be success or decline');
      }
      if (order.status !== 'pending') {
        return problem(c, 409, 'already_processed', `This order is ${order.status}.`);
      }
      const now = context.now();
      if (Date.parse(order.expiresAt) <= now.getTime()) {
        return problem(c, 410, 'expired', 'The order has expired.');
      }
      decide(context, zalopay, order, outcome, now);
      const returnUrl = redirectUrl(zalopay, order);
      if (wantsHtml(c)) return c.redirect(returnUrl, 302);
      return c.json({ ...summary(order), returnUrl });
    }),
  );
  return app;
}

function decide(
  context: SandboxContext,
  zalopay: ZalopayApp,
  order: SandboxZalopayOrder,
  outcome: 'success' | 'decline',
  now: Date,
): void {
  const bankDeclined = outcome === 'success' && context.faults.take('create', ['decline']);
  order.status = outcome === 'success' && !bankDeclined ? 'paid' : 'declined';
  if (order.status === 'paid') {
    order.zpTransId = context.store.takeZalopayId(yymmdd(now));
    order.serverTime = now.getTime();
  }
  context.store.changed();
  context.log.info(summary(order), 'ZaloPay order decided');
  if (order.status === 'paid') notifyPaid(context, zalopay, order);
}

function redirectUrl(zalopay: ZalopayApp, order: SandboxZalopayOrder): string {
  let target: string;
  try {
    target = String((JSON.parse(order.embedData) as { redirecturl?: unknown }).redirecturl ?? '');
  } catch {
    target = '';
  }
  const params = {
    appid: zalopay.appId,
    apptransid: order.appTransId,
    pmcid: '38',
    bankcode: '',
    amount: order.amount,
    discountamount: '0',
    status: order.status === 'paid' ? '1' : failedRedirectStatus,
  };
  const query = new URLSearchParams({
    ...params,
    checksum: redirectChecksum(zalopay.key2, params),
  });
  if (!URL.canParse(target)) return `/?${query}`;
  return `${target}${target.includes('?') ? '&' : '?'}${query}`;
}
