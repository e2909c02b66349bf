import { describe, expect, it } from 'vitest';
import { verifyQuery } from '../../psp/vnpay/signing.js';
import { createAndDecide, hashSecret, newTxnRef, usePspFixture } from './harness.js';

/** How far the sandbox's clock runs ahead of ours. */
let sandboxClockAheadMs = 0;
const psp = usePspFixture({ now: () => new Date(Date.now() + sandboxClockAheadMs) });

const paymentInput = (txnRef: string) => ({
  idempotencyKey: `escrow:${txnRef}:payment`,
  txnRef,
  amount: 250_000n,
  currency: 'VND',
  description: 'Don hang 1',
  returnUrl: 'https://shop.example/return',
  expiresAt: new Date(Date.now() + 10 * 60_000),
  clientIp: '203.0.113.7',
});

describe('payment page', () => {
  it('shows a real form for a signed payment URL and refuses a tampered one', async () => {
    const { url } = await psp.provider.createPayment(paymentInput(newTxnRef('page')));
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain('value="success"');
    expect(html).toContain('value="decline"');
    expect(html).toContain('250,000 VND');

    const tampered = url.replace('vnp_Amount=25000000', 'vnp_Amount=100');
    const refused = await fetch(tampered);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_signature' } });
  });

  it('redirects a browser form post to the return URL with signed vnp_* parameters', async () => {
    const txnRef = newTxnRef('browser');
    const { url } = await psp.provider.createPayment(paymentInput(txnRef));
    const response = await fetch(url, {
      method: 'POST',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=success',
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://shop.example/return');
    const params = Object.fromEntries(location.searchParams);
    expect(verifyQuery(params, hashSecret)).toBe(true);
    expect(psp.provider.verifyCallback({ method: 'GET', query: params })).toMatchObject({
      ok: true,
      event: { txnRef, status: 'succeeded', amount: 250_000n },
    });
    await psp.receiver.waitFor(txnRef, 1);
  });
});

describe('payment and IPN', () => {
  it('pays, then sends a signed IPN that verifies through the adapter', async () => {
    const payment = await createAndDecide(psp.provider, { amount: 120_000n });
    expect(payment).toMatchObject({ status: 'paid', responseCode: '00' });
    const [ipn] = await psp.receiver.waitFor(payment.txnRef, 1);
    const verification = psp.provider.verifyCallback({ method: 'GET', query: ipn?.query ?? {} });
    expect(verification).toMatchObject({
      ok: true,
      event: {
        txnRef: payment.txnRef,
        providerTransactionId: payment.transactionNo,
        amount: 120_000n,
        currency: 'VND',
        status: 'succeeded',
      },
    });
    expect(ipn?.query).toMatchObject({
      vnp_ResponseCode: '00',
      vnp_TransactionStatus: '00',
      vnp_BankCode: 'NCB',
    });
    await expect
      .poll(() => psp.sandbox.records.payment(payment.txnRef))
      .toMatchObject({
        status: 'paid',
        amount: '120000',
      });
    await expect
      .poll(() => psp.sandbox.records.payment(payment.txnRef)?.ipn)
      .toMatchObject([{ kind: 'original', acknowledged: true, attempts: [{ rspCode: '00' }] }]);
  });

  it('declines, with a customer-cancelled IPN', async () => {
    const payment = await createAndDecide(psp.provider, { outcome: 'decline' });
    expect(payment).toMatchObject({ status: 'declined', responseCode: '24' });
    const [ipn] = await psp.receiver.waitFor(payment.txnRef, 1);
    expect(ipn?.query).toMatchObject({ vnp_ResponseCode: '24', vnp_TransactionStatus: '02' });
    expect(psp.provider.verifyCallback({ method: 'GET', query: ipn?.query ?? {} })).toMatchObject({
      ok: true,
      event: { status: 'failed' },
    });
  });

  it('declines a payment the buyer tried to pay when a create decline fault is armed', async () => {
    await psp.armFault({ operation: 'create', kind: 'decline' });
    const payment = await createAndDecide(psp.provider, { outcome: 'success' });
    expect(payment).toMatchObject({ status: 'declined', responseCode: '51' });
    const next = await createAndDecide(psp.provider, { outcome: 'success' });
    expect(next.status).toBe('paid');
  });

  it('refuses to decide a payment twice', async () => {
    const txnRef = newTxnRef('twice');
    const { url } = await psp.provider.createPayment(paymentInput(txnRef));
    const decide = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"outcome":"success"}',
      });
    expect((await decide()).status).toBe(200);
    const again = await decide();
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'already_processed' } });
    await psp.receiver.waitFor(txnRef, 1);
    expect(psp.receiver.forTxnRef(txnRef)).toHaveLength(1);
  });

  it('refuses payment after vnp_ExpireDate, sending no IPN', async () => {
    const txnRef = newTxnRef('late');
    const { url } = await psp.provider.createPayment({
      ...paymentInput(txnRef),
      expiresAt: new Date(Date.now() + 60_000),
    });
    sandboxClockAheadMs = 120_000;
    const late = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"outcome":"success"}',
    }).finally(() => {
      sandboxClockAheadMs = 0;
    });
    expect(late.status).toBe(410);
    expect(psp.sandbox.records.payment(txnRef)).toMatchObject({ status: 'pending', ipn: [] });
  });

  it('answers 500 on the payment page when a create http500 fault is armed', async () => {
    await psp.armFault({ operation: 'create', kind: 'http500' });
    const { url } = await psp.provider.createPayment(paymentInput(newTxnRef('p500')));
    expect((await fetch(url)).status).toBe(500);
    expect((await fetch(url)).status).toBe(200);
  });

  it('retries the IPN with backoff until the merchant acknowledges it', async () => {
    psp.receiver.replyWith({ RspCode: '99' }, { status: 500 }, { RspCode: '04' });
    const payment = await createAndDecide(psp.provider);
    const ipns = await psp.receiver.waitFor(payment.txnRef, 4);
    expect(new Set(ipns.map((ipn) => JSON.stringify(ipn.query))).size).toBe(1);
    const gaps = ipns.slice(1).map((ipn, i) => ipn.at - (ipns[i]?.at ?? 0));
    expect(gaps[2]).toBeGreaterThanOrEqual(gaps[0] ?? 0);
    const delivery = () => psp.sandbox.records.payment(payment.txnRef)?.ipn[0];
    await expect.poll(() => delivery()?.acknowledged).toBe(true);
    expect(delivery()?.attempts.map((a) => a.rspCode ?? a.httpStatus)).toEqual([
      '99',
      500,
      '04',
      '00',
    ]);
  });

  it('gives up after the bounded number of attempts', async () => {
    psp.receiver.replyWith(...Array.from({ length: 5 }, () => ({ RspCode: '99' })));
    const payment = await createAndDecide(psp.provider);
    await psp.receiver.waitFor(payment.txnRef, 5);
    await expect.poll(() => psp.sandbox.records.payment(payment.txnRef)?.ipn[0]?.gaveUp).toBe(true);
    // Once the sandbox has given up it sends nothing more: five attempts, all received.
    expect(psp.sandbox.records.payment(payment.txnRef)?.ipn[0]?.attempts).toHaveLength(5);
    expect(psp.receiver.forTxnRef(payment.txnRef)).toHaveLength(5);
  });

  it('sends the same IPN twice when a duplicate_callback fault is armed', async () => {
    await psp.armFault({ operation: 'ipn', kind: 'duplicate_callback' });
    const payment = await createAndDecide(psp.provider);
    const ipns = await psp.receiver.waitFor(payment.txnRef, 2);
    expect(ipns[1]?.query).toEqual(ipns[0]?.query);
    for (const ipn of ipns) {
      expect(psp.provider.verifyCallback({ method: 'GET', query: ipn.query })).toMatchObject({
        ok: true,
        event: { status: 'succeeded' },
      });
    }
    await expect
      .poll(() => psp.sandbox.records.payment(payment.txnRef)?.ipn)
      .toMatchObject([
        { kind: 'original', acknowledged: true, attempts: [{ rspCode: '00' }] },
        { kind: 'duplicate', acknowledged: true, attempts: [{ rspCode: '02' }] },
      ]);
  });

  it('sends an older failed IPN after the success one when out_of_order_callback is armed', async () => {
    await psp.armFault({ operation: 'ipn', kind: 'out_of_order_callback' });
    const payment = await createAndDecide(psp.provider);
    const ipns = await psp.receiver.waitFor(payment.txnRef, 2);
    const events = ipns.map((ipn) => {
      const verification = psp.provider.verifyCallback({ method: 'GET', query: ipn.query });
      if (!verification.ok) throw new Error(verification.detail);
      return verification.event;
    });
    expect(events.map((event) => event.status)).toEqual(['succeeded', 'failed']);
    expect(events[1]?.paidAt.getTime()).toBeLessThanOrEqual(events[0]?.paidAt.getTime() ?? 0);
    expect(events[1]?.txnRef).toBe(payment.txnRef);
  });

  it('pays but never sends the IPN when an ipn drop fault is armed; querydr knows', async () => {
    await psp.armFault({ operation: 'ipn', kind: 'drop' });
    const dropped = await createAndDecide(psp.provider, { amount: 80_000n });
    expect(dropped).toMatchObject({ status: 'paid', responseCode: '00' });
    // The next payment's IPN arrives: the sandbox is sending, just not the dropped one.
    const next = await createAndDecide(psp.provider);
    await psp.receiver.waitFor(next.txnRef, 1);
    expect(psp.receiver.forTxnRef(dropped.txnRef)).toEqual([]);
    expect(psp.sandbox.records.payment(dropped.txnRef)).toMatchObject({ status: 'paid', ipn: [] });
    expect(
      await psp.provider.getTransaction({
        txnRef: dropped.txnRef,
        transactionDate: dropped.createdAt,
      }),
    ).toEqual({
      status: 'succeeded',
      amount: 80_000n,
      providerTransactionId: dropped.transactionNo,
    });
  });

  it('holds the IPN back when an ipn delay fault is armed', async () => {
    await psp.armFault({ operation: 'ipn', kind: 'delay', delayMs: 400 });
    const decidedAt = Date.now();
    const payment = await createAndDecide(psp.provider);
    const [ipn] = await psp.receiver.waitFor(payment.txnRef, 1);
    expect((ipn?.at ?? 0) - decidedAt).toBeGreaterThanOrEqual(400);
  });
});
