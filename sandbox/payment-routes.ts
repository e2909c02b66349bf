import { type Context, Hono } from 'hono';
import { formatVnpDate, parseVnpDate } from '../psp/vnpay/dates.js';
import { paymentPath, paymentResponseCode } from '../psp/vnpay/protocol.js';
import { signedQueryString } from '../psp/vnpay/signing.js';
import type { SandboxContext } from './context.js';
import { withRequestFaults } from './fault-gate.js';
import { notifyMerchant } from './notify.js';
import { readOutcome, refusedPage, wantsHtml } from './page-requests.js';
import { renderMessagePage, renderPaymentPage } from './payment-page.js';
import { isProblem, openPayment } from './payment-request.js';
import { paymentResultParams } from './payment-result.js';
import type { SandboxPayment } from './store.js';

/** A refused payment, on VNPay's message page. */
const problem = (c: Context, status: 400 | 409 | 410, code: string, message: string) =>
  refusedPage(c, renderMessagePage, status, code, message);

const summary = (payment: SandboxPayment) => ({
  txnRef: payment.txnRef,
  status: payment.status,
  amount: payment.amount,
  responseCode: payment.responseCode ?? null,
  transactionNo: payment.transactionNo ?? null,
});

/**
 * The payment URL. GET shows the payment page; POST with outcome=success|decline decides, as
 * the page's form does for people and scripts do directly. Deciding sends the IPN and answers
 * with a redirect to the return URL (browsers) or JSON (everything else).
 */
export function paymentRoutes(context: SandboxContext): Hono {
  const app = new Hono();

  app.get(paymentPath, (c) =>
    withRequestFaults(context, 'create', async () => {
      const payment = openPayment(context, c.req.query());
      if (isProblem(payment)) return problem(c, payment.status, payment.code, payment.message);
      if (!wantsHtml(c)) return c.json(summary(payment));
      if (payment.status !== 'pending') {
        return c.html(renderMessagePage('Already processed', `This payment is ${payment.status}.`));
      }
      const { pathname, search } = new URL(c.req.url);
      return c.html(renderPaymentPage(payment, `${pathname}${search}`));
    }),
  );

  app.post(paymentPath, (c) =>
    withRequestFaults(context, 'create', async () => {
      const payment = openPayment(context, c.req.query());
      if (isProblem(payment)) return problem(c, payment.status, payment.code, payment.message);
      const outcome = await readOutcome(c);
      if (outcome !== 'success' && outcome !== 'decline') {
        return problem(c, 400, 'invalid_request', 'outcome must be success or decline');
      }
      if (payment.status !== 'pending') {
        return problem(c, 409, 'already_processed', `This payment is ${payment.status}.`);
      }
      const now = context.now();
      if ((parseVnpDate(payment.expireDate) ?? now) < now) {
        return problem(c, 410, 'expired', 'The payment window has closed.');
      }
      decide(context, payment, outcome, now);
      const query = signedQueryString(
        paymentResultParams(context.tmnCode, payment),
        context.hashSecret,
      );
      const returnUrl = `${payment.returnUrl}${payment.returnUrl.includes('?') ? '&' : '?'}${query}`;
      if (wantsHtml(c)) return c.redirect(returnUrl, 302);
      return c.json({ ...summary(payment), returnUrl });
    }),
  );

  return app;
}

function decide(
  context: SandboxContext,
  payment: SandboxPayment,
  outcome: 'success' | 'decline',
  now: Date,
): void {
  const bankDeclined = outcome === 'success' && context.faults.take('create', ['decline']);
  payment.status = outcome === 'success' && !bankDeclined ? 'paid' : 'declined';
  payment.responseCode =
    outcome === 'decline'
      ? paymentResponseCode.customerCancelled
      : bankDeclined
        ? paymentResponseCode.insufficientFunds
        : paymentResponseCode.success;
  payment.transactionNo = context.store.takeTransactionNo();
  payment.payDate = formatVnpDate(now);
  context.store.changed();
  context.log.info(summary(payment), 'payment decided');
  notifyMerchant(context, payment);
}
