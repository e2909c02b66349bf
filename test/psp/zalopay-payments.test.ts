import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CallbackOutcome,
  type PaymentProvider,
  PspPermanentError,
  PspTransientError,
  type RefundInput,
} from '../../psp/types.js';
import { createZalopayProvider, ZALOPAY_LIMITS } from '../../psp/zalopay/adapter.js';
import { appTransIdFor } from '../../psp/zalopay/ids.js';
import { refundOrder } from '../../psp/zalopay/refund.js';
import type { FaultSpec } from '../../sandbox/faults.js';
import { type SandboxPsp, startSandboxPsp } from '../../sandbox/server.js';
import { hashSecret, payosPayout, tmnCode } from './harness.js';

const app = { appId: '2554', key1: 'zp-test-key1-0123456789', key2: 'zp-test-key2-9876543210' };

interface Received {
  body: string;
  outcome: CallbackOutcome;
  returnCode: number;
}

/**
 * Our callback route, played by a real HTTP server: it verifies with the adapter, answers
 * confirmed the first time per txnRef and already_confirmed after, in ZaloPay's ack format.
 * `override` scripts the next outcomes.
 */
class CallbackReceiver {
  readonly received: Received[] = [];
  readonly override: CallbackOutcome[] = [];
  private readonly confirmed = new Set<string>();
  provider!: PaymentProvider;
  url = '';
  private constructor(private readonly server: Server) {}

  static async start(): Promise<CallbackReceiver> {
    const server = createServer();
    const receiver = new CallbackReceiver(server);
    server.on('request', (request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        const verification = receiver.provider.verifyCallback({
          method: request.method ?? '',
          query: {},
          body,
        });
        let outcome: CallbackOutcome = verification.ok
          ? receiver.confirmed.has(verification.event.txnRef)
            ? 'already_confirmed'
            : 'confirmed'
          : verification.reason === 'invalid_signature'
            ? 'invalid_signature'
            : 'order_not_found';
        outcome = receiver.override.shift() ?? outcome;
        if (verification.ok && outcome === 'confirmed') {
          receiver.confirmed.add(verification.event.txnRef);
        }
        const ack = receiver.provider.acknowledge(outcome);
        const returnCode = (ack.body as { return_code: number }).return_code;
        receiver.received.push({ body, outcome, returnCode });
        response.writeHead(ack.status, { 'content-type': ack.contentType });
        response.end(JSON.stringify(ack.body));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/psp/zalopay/callback`;
    return receiver;
  }

  forTxnRef(txnRef: string): Received[] {
    return this.received.filter((r) => txnRefOf(r.body) === txnRef);
  }

  async waitFor(txnRef: string, count: number): Promise<Received[]> {
    const deadline = Date.now() + 10_000;
    while (this.forTxnRef(txnRef).length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} callbacks for ${txnRef}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.forTxnRef(txnRef);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The txnRef in a callback body's data.embed_data, read without trusting anything. */
function txnRefOf(body: string): string | undefined {
  try {
    const { data } = JSON.parse(body) as { data: string };
    const { embed_data } = JSON.parse(data) as { embed_data: string };
    return (JSON.parse(embed_data) as { txnRef?: string }).txnRef;
  } catch {
    return undefined;
  }
}

let sandboxClockAheadMs = 0;
let sandbox: SandboxPsp;
let receiver: CallbackReceiver;
let provider: PaymentProvider;
let impatient: PaymentProvider;

beforeAll(async () => {
  receiver = await CallbackReceiver.start();
  sandbox = await startSandboxPsp({
    port: 0,
    tmnCode,
    hashSecret,
    payosPayout,
    ipnUrl: 'http://127.0.0.1:9/unused',
    zalopay: { ...app, callbackUrl: receiver.url },
    ipnRetry: { attempts: 10, initialDelayMs: 20, maxDelayMs: 100, timeoutMs: 1_000 },
    now: () => new Date(Date.now() + sandboxClockAheadMs),
  });
  provider = createZalopayProvider({ ...app, baseUrl: sandbox.url, timeoutMs: 5_000 });
  impatient = createZalopayProvider({ ...app, baseUrl: sandbox.url, timeoutMs: 300 });
  receiver.provider = provider;
});
afterAll(async () => {
  await sandbox.stop();
  await receiver.stop();
});
beforeEach(async () => {
  sandboxClockAheadMs = 0;
  receiver.override.length = 0;
  await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
});

async function armFault(fault: FaultSpec): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  expect(response.status).toBe(201);
}

let counter = 0;
const newTxnRef = (label: string) => `esc_${label}_${process.pid}_${++counter}`;

const paymentInput = (txnRef: string, amount = 250_000n) => ({
  idempotencyKey: `escrow:${txnRef}:payment`,
  txnRef,
  amount,
  currency: 'VND',
  description: 'Thanh toán đơn hàng',
  returnUrl: 'https://shop.example/return',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  clientIp: '203.0.113.7',
});

/** Creates the order through the adapter and decides it with JSON, as scripts do. */
async function createAndDecide(
  { amount = 250_000n, outcome = 'success' }: { amount?: bigint; outcome?: string } = {},
  via: PaymentProvider = provider,
) {
  const txnRef = newTxnRef('pay');
  const created = await via.createPayment(paymentInput(txnRef, amount));
  const response = await fetch(created.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ outcome }),
  });
  const decided = (await response.json()) as { status: string; zpTransId: string | null };
  return { txnRef, createdAt: created.createdAt, url: created.url, response, ...decided };
}

const refundInput = (
  paid: { txnRef: string; createdAt: Date; zpTransId: string | null },
  amount: bigint,
  key: string,
  full = false,
): RefundInput => ({
  idempotencyKey: key,
  txnRef: paid.txnRef,
  providerTransactionId: paid.zpTransId ?? '',
  transactionDate: paid.createdAt,
  amount,
  currency: 'VND',
  full,
  reason: 'Hoàn tiền',
});

const orderOf = (paid: { txnRef: string; createdAt: Date }) =>
  sandbox.records.zalopayOrder(appTransIdFor(paid.txnRef, paid.createdAt));

const independentMac = (key: string, ...fields: string[]) =>
  createHmac('sha256', key).update(fields.join('|')).digest('hex');

describe('payment and callback', () => {
  it('pays, then calls back signed; the callback verifies through the adapter', async () => {
    const paid = await createAndDecide({ amount: 120_000n });
    expect(paid).toMatchObject({ status: 'paid' });
    const [callback] = await receiver.waitFor(paid.txnRef, 1);
    const verification = provider.verifyCallback({
      method: 'POST',
      query: {},
      body: callback?.body,
    });
    expect(verification).toMatchObject({
      ok: true,
      event: {
        txnRef: paid.txnRef,
        providerTransactionId: paid.zpTransId,
        amount: 120_000n,
        currency: 'VND',
        status: 'succeeded',
      },
    });
    expect(callback).toMatchObject({ outcome: 'confirmed', returnCode: 1 });
    await expect.poll(() => orderOf(paid)?.callbacks[0]?.acknowledged).toBe(true);
    expect(
      await provider.getTransaction({ txnRef: paid.txnRef, transactionDate: paid.createdAt }),
    ).toEqual({ status: 'succeeded', amount: 120_000n, providerTransactionId: paid.zpTransId });
  });

  it('shows a real page and sends a browser back with a signed redirect', async () => {
    const txnRef = newTxnRef('page');
    const { url } = await provider.createPayment(paymentInput(txnRef));
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain('value="decline"');
    expect(html).toContain('250,000 VND');
    const response = await fetch(url, {
      method: 'POST',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=success',
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://shop.example/return');
    const p = Object.fromEntries(location.searchParams);
    expect(p).toMatchObject({ appid: app.appId, status: '1', amount: '250000' });
    expect(p.checksum).toBe(
      independentMac(
        app.key2,
        p.appid ?? '',
        p.apptransid ?? '',
        p.pmcid ?? '',
        p.bankcode ?? '',
        p.amount ?? '',
        p.discountamount ?? '',
        p.status ?? '',
      ),
    );
    await receiver.waitFor(txnRef, 1);
  });

  it('refuses forged, tampered and unknown-order callbacks in ZaloPay ack codes', async () => {
    const paid = await createAndDecide();
    const [callback] = await receiver.waitFor(paid.txnRef, 1);
    const envelope = JSON.parse(callback?.body ?? '{}') as { data: string; mac: string };
    const verify = (body: unknown) =>
      provider.verifyCallback({ method: 'POST', query: {}, body: JSON.stringify(body) });

    const forged = verify({ ...envelope, mac: independentMac('not-key2', envelope.data) });
    expect(forged).toMatchObject({ ok: false, reason: 'invalid_signature' });
    const tampered = verify({
      ...envelope,
      data: envelope.data.replace('"amount":250000', '"amount":1000'),
    });
    expect(tampered).toMatchObject({ ok: false, reason: 'invalid_signature' });
    expect(provider.acknowledge('invalid_signature').body).toEqual({
      return_code: -1,
      return_message: 'mac not equal',
    });

    // Signed with key2, but for an app_trans_id we never derived: not one of our orders.
    const data = envelope.data.replace(/"app_trans_id":"[^"]+"/, '"app_trans_id":"261202_other"');
    const unknown = verify({ data, mac: independentMac(app.key2, data), type: 1 });
    expect(unknown).toMatchObject({ ok: false, reason: 'malformed' });
    expect(provider.acknowledge('order_not_found').body).toMatchObject({ return_code: 0 });
    expect(provider.acknowledge('already_confirmed').body).toMatchObject({ return_code: 2 });
  });

  it('a duplicate callback is answered 2 and ends there', async () => {
    await armFault({ operation: 'ipn', kind: 'duplicate_callback' });
    const paid = await createAndDecide();
    const callbacks = await receiver.waitFor(paid.txnRef, 2);
    expect(callbacks.map((c) => c.returnCode)).toEqual([1, 2]);
    expect(callbacks[1]?.body).toBe(callbacks[0]?.body);
    await expect
      .poll(() => orderOf(paid)?.callbacks.map((d) => d.acknowledged))
      .toEqual([true, true]);
  });

  it('an out-of-order (earlier) copy after the callback is answered 2', async () => {
    await armFault({ operation: 'ipn', kind: 'out_of_order_callback' });
    const paid = await createAndDecide();
    const [first, stale] = await receiver.waitFor(paid.txnRef, 2);
    expect(first?.returnCode).toBe(1);
    expect(stale?.returnCode).toBe(2);
    const time = (c?: Received) =>
      (
        JSON.parse((JSON.parse(c?.body ?? '{}') as { data: string }).data) as {
          server_time: number;
        }
      ).server_time;
    expect(time(stale)).toBeLessThan(time(first));
  });

  it('calls again while the merchant answers anything but 1 or 2', async () => {
    receiver.override.push('error', 'error');
    const paid = await createAndDecide();
    const callbacks = await receiver.waitFor(paid.txnRef, 3);
    expect(callbacks.map((c) => c.returnCode)).toEqual([0, 0, 1]);
  });

  it('a dropped callback leaves the payment for the query to find', async () => {
    await armFault({ operation: 'ipn', kind: 'drop' });
    const paid = await createAndDecide();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.forTxnRef(paid.txnRef)).toEqual([]);
    expect(
      await provider.getTransaction({ txnRef: paid.txnRef, transactionDate: paid.createdAt }),
    ).toMatchObject({ status: 'succeeded', providerTransactionId: paid.zpTransId });
  });
});

describe('transaction status', () => {
  it('unpaid is pending, declined and expired are failed, unknown is not_found', async () => {
    const txnRef = newTxnRef('unpaid');
    const { createdAt } = await provider.createPayment(paymentInput(txnRef));
    expect(await provider.getTransaction({ txnRef, transactionDate: createdAt })).toEqual({
      status: 'pending',
    });
    sandboxClockAheadMs = 16 * 60_000;
    expect(await provider.getTransaction({ txnRef, transactionDate: createdAt })).toEqual({
      status: 'failed',
    });
    sandboxClockAheadMs = 0;

    await armFault({ operation: 'create', kind: 'decline' });
    const declined = await createAndDecide();
    expect(declined.status).toBe('declined');
    expect(
      await provider.getTransaction({
        txnRef: declined.txnRef,
        transactionDate: declined.createdAt,
      }),
    ).toEqual({ status: 'failed' });
    expect(receiver.forTxnRef(declined.txnRef)).toEqual([]);

    expect(
      await provider.getTransaction({ txnRef: newTxnRef('none'), transactionDate: new Date() }),
    ).toEqual({ status: 'not_found' });
  });
});

describe('refunds', () => {
  it('full refund: done at once, found again by its key', async () => {
    const paid = await createAndDecide({ amount: 300_000n });
    const input = refundInput(paid, 300_000n, `escrow:${paid.txnRef}:refund`, true);
    const result = await provider.refund(input);
    expect(result).toMatchObject({ status: 'succeeded' });
    expect(await provider.getRefund(input)).toEqual(result);
    expect(orderOf(paid)?.refundedAmount).toBe('300000');
    await expect(
      provider.refund(refundInput(paid, 1_000n, `escrow:${paid.txnRef}:refund:2`)),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('partial refunds add up; an unknown key is not_found', async () => {
    const paid = await createAndDecide({ amount: 300_000n });
    await provider.refund(refundInput(paid, 100_000n, `escrow:${paid.txnRef}:p1`));
    await provider.refund(refundInput(paid, 50_000n, `escrow:${paid.txnRef}:p2`));
    expect(orderOf(paid)?.refundedAmount).toBe('150000');
    expect(await provider.getRefund(refundInput(paid, 1n, `escrow:${paid.txnRef}:p3`))).toEqual({
      status: 'not_found',
    });
  });

  it('a pending refund is polled to success, and a failed one gives its amount back', async () => {
    const paid = await createAndDecide({ amount: 200_000n });
    await armFault({ operation: 'refund', kind: 'pending', pendingQueries: 2 });
    const input = refundInput(paid, 80_000n, `escrow:${paid.txnRef}:pending`);
    expect(await provider.refund(input)).toMatchObject({ status: 'pending' });
    expect(await provider.getRefund(input)).toMatchObject({ status: 'pending' });
    expect(await provider.getRefund(input)).toMatchObject({ status: 'pending' });
    expect(await provider.getRefund(input)).toMatchObject({ status: 'succeeded' });

    await armFault({ operation: 'refund', kind: 'pending', pendingQueries: 1, outcome: 'failed' });
    const failing = refundInput(paid, 120_000n, `escrow:${paid.txnRef}:failing`);
    expect(await provider.refund(failing)).toMatchObject({ status: 'pending' });
    expect(await provider.getRefund(failing)).toMatchObject({ status: 'pending' });
    expect(await provider.getRefund(failing)).toMatchObject({ status: 'failed' });
    expect(orderOf(paid)?.refundedAmount).toBe('80000');
  });

  it('a declined refund is a permanent error', async () => {
    const paid = await createAndDecide();
    await armFault({ operation: 'refund', kind: 'decline' });
    await expect(
      provider.refund(refundInput(paid, 10_000n, `escrow:${paid.txnRef}:declined`)),
    ).rejects.toMatchObject({ name: 'PspPermanentError', code: 'declined' });
  });

  it('a timed-out refund retried with the same key makes one refund', async () => {
    const paid = await createAndDecide({ amount: 100_000n });
    await armFault({ operation: 'refund', kind: 'timeout', delayMs: 1_000 });
    const input = refundInput(paid, 100_000n, `escrow:${paid.txnRef}:timeout`, true);
    const error = await impatient.refund(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PspTransientError);
    expect(error).toMatchObject({ code: 'timeout' });
    expect(await provider.refund(input)).toMatchObject({ status: 'succeeded' });
    const appTransId = appTransIdFor(paid.txnRef, paid.createdAt);
    expect(
      sandbox.records.zalopayRefunds().filter((r) => r.appTransId === appTransId),
    ).toHaveLength(1);
  });

  it('a key first sent on an earlier day is found there, not sent again today', async () => {
    const paid = await createAndDecide({ amount: 100_000n });
    const input = refundInput(paid, 40_000n, `escrow:${paid.txnRef}:days`);
    const config = { ...app, baseUrl: sandbox.url, timeoutMs: 5_000, appUser: 'escrow-engine' };
    const first = await refundOrder(config, input, new Date());
    sandboxClockAheadMs = 24 * 60 * 60_000;
    const again = await refundOrder(config, input, new Date(Date.now() + sandboxClockAheadMs));
    expect(again).toEqual(first);
    expect(orderOf(paid)?.refundedAmount).toBe('40000');
  });
});

describe('limits and faults on create', () => {
  it('refuses amounts outside ZALOPAY_LIMITS, naming the limit, and other currencies', async () => {
    const refused = (amount: bigint, currency = 'VND') =>
      provider
        .createPayment({ ...paymentInput(newTxnRef('limit'), amount), currency })
        .catch((e: unknown) => e);
    const low = await refused(ZALOPAY_LIMITS.min - 1n);
    expect(low).toBeInstanceOf(PspPermanentError);
    expect(low).toMatchObject({
      code: 'invalid_amount',
      message: expect.stringContaining('minimum'),
    });
    expect(await refused(ZALOPAY_LIMITS.max + 1n)).toMatchObject({
      code: 'invalid_amount',
      message: expect.stringContaining('maximum'),
    });
    expect(await refused(100_000n, 'USD')).toMatchObject({ code: 'unsupported_currency' });
    await expect(
      provider.createPayment(paymentInput(newTxnRef('min'), ZALOPAY_LIMITS.min)),
    ).resolves.toMatchObject({ url: expect.stringContaining('/openinapp?order=') });
  });

  it('a wrong key1 is misconfigured; a 500 is transient', async () => {
    const stranger = createZalopayProvider({ ...app, key1: 'wrong', baseUrl: sandbox.url });
    await expect(stranger.createPayment(paymentInput(newTxnRef('key')))).rejects.toMatchObject({
      code: 'misconfigured',
    });
    await armFault({ operation: 'create', kind: 'http500' });
    await expect(provider.createPayment(paymentInput(newTxnRef('500')))).rejects.toMatchObject({
      name: 'PspTransientError',
      code: 'server_error',
    });
  });

  it('a timed-out create retried gives a new order; the lost one stays unpaid', async () => {
    await armFault({ operation: 'create', kind: 'timeout', delayMs: 1_000 });
    const txnRef = newTxnRef('create-timeout');
    await expect(impatient.createPayment(paymentInput(txnRef))).rejects.toMatchObject({
      code: 'timeout',
    });
    const retried = await provider.createPayment(paymentInput(txnRef));
    const orders = sandbox.records
      .zalopayOrders()
      .filter((o) => o.embedData.includes(`"txnRef":"${txnRef}"`));
    expect(orders).toHaveLength(2);
    expect(orders.every((o) => o.status === 'pending')).toBe(true);
    expect(await provider.getTransaction({ txnRef, transactionDate: retried.createdAt })).toEqual({
      status: 'pending',
    });
  });
});

describe('data file', () => {
  it('keeps orders and refunds across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zalopay-sandbox-'));
    const start = () =>
      startSandboxPsp({
        port: 0,
        tmnCode,
        hashSecret,
        payosPayout,
        ipnUrl: 'http://127.0.0.1:9/unused',
        zalopay: { ...app, callbackUrl: receiver.url },
        dataFile: join(dir, 'psp.json'),
      });
    try {
      const first = await start();
      const before = createZalopayProvider({ ...app, baseUrl: first.url });
      const paid = await createAndDecide({ amount: 90_000n }, before);
      await receiver.waitFor(paid.txnRef, 1);
      const input = refundInput(paid, 30_000n, `escrow:${paid.txnRef}:kept`);
      const refund = await before.refund(input);
      await first.stop();

      const second = await start();
      const after = createZalopayProvider({ ...app, baseUrl: second.url });
      expect(
        await after.getTransaction({ txnRef: paid.txnRef, transactionDate: paid.createdAt }),
      ).toMatchObject({ status: 'succeeded', amount: 90_000n });
      expect(await after.getRefund(input)).toEqual(refund);
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
