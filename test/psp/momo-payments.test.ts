import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMomoProvider, momoApiConfig } from '../../psp/momo/adapter.js';
import { cancel, capture } from '../../psp/momo/confirm.js';
import { refundOrderIdFor } from '../../psp/momo/fields.js';
import { MOMO_LIMITS } from '../../psp/momo/protocol.js';
import type { PaymentProvider } from '../../psp/types.js';
import type { FaultSpec } from '../../sandbox/faults.js';
import { type SandboxPsp, startSandboxPsp } from '../../sandbox/server.js';
import { hashSecret, payosPayout, tmnCode } from './harness.js';

const momo = {
  partnerCode: 'MOMOSANDBOX01',
  accessKey: 'sandbox-access-key',
  secretKey: 'sandbox-secret-key-0123456789abcdef',
};

interface ReceivedIpn {
  body: Record<string, unknown>;
  text: string;
}

/**
 * Our callback route's stand-in: takes MoMo's JSON POSTs and answers 204, or the scripted
 * statuses first, one per IPN.
 */
class MomoIpnReceiver {
  readonly received: ReceivedIpn[] = [];
  private script: number[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<MomoIpnReceiver> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const receiver = new MomoIpnReceiver(server, `http://127.0.0.1:${port}/v1/psp/momo/callback`);
    server.on('request', (request, response) => {
      let text = '';
      request.on('data', (chunk) => {
        text += chunk;
      });
      request.on('end', () => {
        receiver.received.push({ body: JSON.parse(text), text });
        response.writeHead(receiver.script.shift() ?? 204);
        response.end();
      });
    });
    return receiver;
  }

  replyWith(...statuses: number[]): void {
    this.script.push(...statuses);
  }

  forOrder(orderId: string): ReceivedIpn[] {
    return this.received.filter((ipn) => ipn.body.orderId === orderId);
  }

  async waitFor(orderId: string, count: number): Promise<ReceivedIpn[]> {
    await expect
      .poll(() => this.forOrder(orderId).length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(count);
    return this.forOrder(orderId);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let sandbox: SandboxPsp;
let receiver: MomoIpnReceiver;
let provider: PaymentProvider;
let impatient: PaymentProvider;
let holding: PaymentProvider;
let holdingConfig: ReturnType<typeof momoApiConfig>;
/** How far the sandbox's clock runs ahead of ours. */
let sandboxClockAheadMs = 0;

beforeAll(async () => {
  receiver = await MomoIpnReceiver.start();
  sandbox = await startSandboxPsp({
    port: 0,
    tmnCode,
    hashSecret,
    payosPayout,
    momo,
    ipnUrl: 'http://127.0.0.1:9/unused-vnpay-ipn',
    ipnRetry: { attempts: 5, initialDelayMs: 20, maxDelayMs: 100, timeoutMs: 1_000 },
    now: () => new Date(Date.now() + sandboxClockAheadMs),
  });
  const config = { ...momo, baseUrl: sandbox.url, ipnUrl: receiver.url, timeoutMs: 5_000 };
  provider = createMomoProvider(config);
  impatient = createMomoProvider({ ...config, timeoutMs: 300 });
  holding = createMomoProvider({ ...config, autoCapture: false });
  holdingConfig = momoApiConfig({ ...config, autoCapture: false });
});
afterAll(async () => {
  await sandbox?.stop();
  await receiver?.stop();
});
beforeEach(async () => {
  await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
});

async function armFault(fault: FaultSpec): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (response.status !== 201) throw new Error(`fault refused: ${await response.text()}`);
}

let counter = 0;
const newTxnRef = (label: string) => `${label}-${process.pid}-${Date.now()}-${++counter}`;

const paymentInput = (txnRef: string, amount = 250_000n) => ({
  idempotencyKey: `escrow:${txnRef}:payment`,
  txnRef,
  amount,
  currency: 'VND',
  description: 'Đơn hàng 1',
  returnUrl: 'https://shop.example/return',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  clientIp: '203.0.113.7',
});

async function decide(url: string, outcome: 'success' | 'decline') {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ outcome }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { resultCode: number; transId: string; returnUrl: string };
}

/** Created through the adapter, decided the way scripts do. */
async function payOrder(
  options: { amount?: bigint; outcome?: 'success' | 'decline'; via?: PaymentProvider } = {},
) {
  const txnRef = newTxnRef('pay');
  const { url, createdAt } = await (options.via ?? provider).createPayment(
    paymentInput(txnRef, options.amount),
  );
  const decided = await decide(url, options.outcome ?? 'success');
  return { txnRef, createdAt, ...decided };
}

const verify = (ipn: ReceivedIpn | undefined, via: PaymentProvider = provider) =>
  via.verifyCallback({ method: 'POST', query: {}, body: ipn?.text ?? '' });

const refundInput = (
  payment: { txnRef: string; transId: string; createdAt: Date },
  key: string,
  amount: bigint,
  full = false,
) => ({
  idempotencyKey: `escrow:${payment.txnRef}:refund:${key}`,
  txnRef: payment.txnRef,
  providerTransactionId: payment.transId,
  transactionDate: payment.createdAt,
  amount,
  currency: 'VND',
  full,
  reason: 'Hoàn tiền',
});

describe('MoMo payment and IPN', () => {
  it('pays, and the signed IPN verifies and is acknowledged with 204', async () => {
    const payment = await payOrder({ amount: 120_000n });
    expect(payment.resultCode).toBe(0);
    const [ipn] = await receiver.waitFor(payment.txnRef, 1);
    expect(verify(ipn)).toMatchObject({
      ok: true,
      event: {
        txnRef: payment.txnRef,
        providerTransactionId: payment.transId,
        amount: 120_000n,
        currency: 'VND',
        status: 'succeeded',
      },
    });
    expect(provider.acknowledge('confirmed')).toEqual({
      status: 204,
      body: null,
      contentType: 'application/json',
    });
    await expect
      .poll(() => sandbox.records.momoPayment(payment.txnRef)?.ipn)
      .toMatchObject([{ kind: 'original', acknowledged: true, attempts: [{ httpStatus: 204 }] }]);
  });

  it('shows a real payment page and redirects a browser with the signed result', async () => {
    const txnRef = newTxnRef('page');
    const { url } = await provider.createPayment(paymentInput(txnRef));
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(html).toContain('<form method="post"');
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
    const [ipn] = await receiver.waitFor(txnRef, 1);
    expect(location.searchParams.get('signature')).toBe(ipn?.body.signature);
    expect(location.searchParams.get('resultCode')).toBe('0');
  });

  it('declines: the IPN says 1006 and reads as a failed payment', async () => {
    const payment = await payOrder({ outcome: 'decline' });
    const [ipn] = await receiver.waitFor(payment.txnRef, 1);
    expect(ipn?.body.resultCode).toBe(1006);
    expect(verify(ipn)).toMatchObject({ ok: true, event: { status: 'failed' } });
  });

  it('declines a paying buyer when a create decline fault is armed (1001)', async () => {
    await armFault({ operation: 'create', kind: 'decline' });
    const payment = await payOrder();
    expect(payment.resultCode).toBe(1001);
    expect((await payOrder()).resultCode).toBe(0);
  });

  it('refuses forged and tampered IPNs', async () => {
    const payment = await payOrder({ amount: 80_000n });
    const [ipn] = await receiver.waitFor(payment.txnRef, 1);
    const body = ipn?.body ?? {};
    const send = (changed: Record<string, unknown>) =>
      provider.verifyCallback({ method: 'POST', query: {}, body: JSON.stringify(changed) });
    expect(send({ ...body, amount: 8_000_000 })).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
    });
    expect(send({ ...body, resultCode: 0, signature: 'ab'.repeat(32) })).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
    });
    const otherMerchant = createMomoProvider({
      ...momo,
      secretKey: 'another-secret',
      baseUrl: sandbox.url,
      ipnUrl: receiver.url,
    });
    expect(verify(ipn, otherMerchant)).toMatchObject({ ok: false, reason: 'invalid_signature' });
    expect(provider.verifyCallback({ method: 'POST', query: {}, body: 'not json' })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(provider.acknowledge('invalid_signature').status).toBe(400);
  });

  it('delivers a duplicate IPN, both valid, both acknowledged', async () => {
    await armFault({ operation: 'ipn', kind: 'duplicate_callback' });
    const payment = await payOrder();
    const ipns = await receiver.waitFor(payment.txnRef, 2);
    expect(ipns[0]?.text).toBe(ipns[1]?.text);
    expect(verify(ipns[1])).toMatchObject({ ok: true, event: { status: 'succeeded' } });
    expect(provider.acknowledge('already_confirmed').status).toBe(204);
  });

  it('sends an older, failed result after the real one when out_of_order_callback is armed', async () => {
    await armFault({ operation: 'ipn', kind: 'out_of_order_callback' });
    const payment = await payOrder();
    const [first, stale] = await receiver.waitFor(payment.txnRef, 2);
    const firstEvent = verify(first);
    const staleEvent = verify(stale);
    expect(firstEvent).toMatchObject({ ok: true, event: { status: 'succeeded' } });
    expect(staleEvent).toMatchObject({ ok: true, event: { status: 'failed' } });
    if (firstEvent.ok && staleEvent.ok) {
      expect(staleEvent.event.paidAt.getTime()).toBeLessThan(firstEvent.event.paidAt.getTime());
    }
  });

  it('resends an IPN for an order we do not know yet until it is answered 204', async () => {
    expect(provider.acknowledge('order_not_found').status).not.toBe(204);
    receiver.replyWith(404, 500);
    const payment = await payOrder();
    await receiver.waitFor(payment.txnRef, 3);
    await expect
      .poll(() => sandbox.records.momoPayment(payment.txnRef)?.ipn[0])
      .toMatchObject({
        acknowledged: true,
        attempts: [{ httpStatus: 404 }, { httpStatus: 500 }, { httpStatus: 204 }],
      });
  });

  it('drops the IPN when told to; the query still shows the payment', async () => {
    await armFault({ operation: 'ipn', kind: 'drop' });
    const payment = await payOrder({ amount: 55_000n });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.forOrder(payment.txnRef)).toHaveLength(0);
    await expect(
      provider.getTransaction({ txnRef: payment.txnRef, transactionDate: payment.createdAt }),
    ).resolves.toEqual({
      status: 'succeeded',
      amount: 55_000n,
      providerTransactionId: payment.transId,
    });
  });
});

describe('MoMo queries, limits and idempotent create', () => {
  it('reads pending before payment and not_found for an unknown order', async () => {
    const txnRef = newTxnRef('query');
    const { createdAt } = await provider.createPayment(paymentInput(txnRef));
    await expect(provider.getTransaction({ txnRef, transactionDate: createdAt })).resolves.toEqual({
      status: 'pending',
      amount: 250_000n,
    });
    await expect(
      provider.getTransaction({ txnRef: newTxnRef('nobody'), transactionDate: createdAt }),
    ).resolves.toEqual({ status: 'not_found' });
  });

  it('closes an unpaid order after its window: no payment, no IPN, the query says failed', async () => {
    const txnRef = newTxnRef('late');
    const { url, createdAt } = await provider.createPayment(paymentInput(txnRef));
    sandboxClockAheadMs = 16 * 60_000;
    try {
      const late = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"outcome":"success"}',
      });
      expect(late.status).toBe(410);
      await expect(
        provider.getTransaction({ txnRef, transactionDate: createdAt }),
      ).resolves.toEqual({
        status: 'failed',
        amount: 250_000n,
      });
    } finally {
      sandboxClockAheadMs = 0;
    }
    expect(sandbox.records.momoPayment(txnRef)).toMatchObject({ status: 'pending', ipn: [] });
  });

  it('enforces MOMO_LIMITS before calling MoMo', async () => {
    expect(MOMO_LIMITS).toEqual({ currency: 'VND', min: 1_000n, max: 50_000_000n });
    for (const amount of [999n, 50_000_001n]) {
      await expect(
        provider.createPayment(paymentInput(newTxnRef('limit'), amount)),
      ).rejects.toMatchObject({
        name: 'PspPermanentError',
        code: 'invalid_amount',
        message: expect.stringContaining('MOMO_LIMITS'),
      });
    }
    await expect(
      provider.createPayment(paymentInput(newTxnRef('limit'), 1_000n)),
    ).resolves.toMatchObject({
      url: expect.stringContaining('/v2/gateway/pay?t='),
    });
    await expect(
      provider.createPayment({ ...paymentInput(newTxnRef('usd')), currency: 'USD' }),
    ).rejects.toMatchObject({ code: 'unsupported_currency' });
  });

  it('never makes a second order for a retried create', async () => {
    const input = paymentInput(newTxnRef('twice'));
    await provider.createPayment(input);
    await expect(provider.createPayment(input)).rejects.toMatchObject({
      code: 'idempotency_conflict',
    });
    await expect(
      provider.createPayment({ ...input, idempotencyKey: `${input.idempotencyKey}:again` }),
    ).rejects.toMatchObject({ code: 'idempotency_conflict' });
    expect(sandbox.records.momoPayments().filter((p) => p.orderId === input.txnRef)).toHaveLength(
      1,
    );
  });

  it('turns a create http500 into a transient error', async () => {
    await armFault({ operation: 'create', kind: 'http500' });
    await expect(provider.createPayment(paymentInput(newTxnRef('p500')))).rejects.toMatchObject({
      name: 'PspTransientError',
      code: 'server_error',
    });
  });
});

describe('MoMo refunds', () => {
  it('refunds in full under a new orderId, found again by its key', async () => {
    const payment = await payOrder({ amount: 100_000n });
    const input = refundInput(payment, 'full', 100_000n, true);
    const result = await provider.refund(input);
    expect(result).toMatchObject({ status: 'succeeded', refundId: expect.any(String) });
    await expect(provider.getRefund(input)).resolves.toEqual(result);
    const record = sandbox.records.momoRefund(refundOrderIdFor(input.idempotencyKey));
    expect(record).toMatchObject({ paymentOrderId: payment.txnRef, amount: '100000' });
    expect(record?.orderId).not.toBe(payment.txnRef);
    await expect(provider.getRefund(refundInput(payment, 'never-sent', 1_000n))).resolves.toEqual({
      status: 'not_found',
    });
  });

  it('refunds in parts up to the payment, then refuses more', async () => {
    const payment = await payOrder({ amount: 100_000n });
    await expect(provider.refund(refundInput(payment, 'p1', 30_000n))).resolves.toMatchObject({
      status: 'succeeded',
    });
    await expect(provider.refund(refundInput(payment, 'p2', 70_000n))).resolves.toMatchObject({
      status: 'succeeded',
    });
    await expect(provider.refund(refundInput(payment, 'p3', 1_000n))).rejects.toMatchObject({
      code: 'declined',
    });
    await expect(provider.refund(refundInput(payment, 'p4', 999n))).rejects.toMatchObject({
      code: 'invalid_amount',
    });
    expect(sandbox.records.momoPayment(payment.txnRef)?.refundedAmount).toBe('100000');
  });

  it('reports a pending refund until MoMo finishes it', async () => {
    await armFault({ operation: 'refund', kind: 'pending', pendingQueries: 2 });
    const payment = await payOrder({ amount: 60_000n });
    const input = refundInput(payment, 'slow', 60_000n, true);
    await expect(provider.refund(input)).resolves.toMatchObject({ status: 'pending' });
    await expect(provider.getRefund(input)).resolves.toMatchObject({ status: 'pending' });
    await expect(provider.getRefund(input)).resolves.toMatchObject({ status: 'pending' });
    await expect(provider.getRefund(input)).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('reports a pending refund that fails, and gives the amount back', async () => {
    await armFault({ operation: 'refund', kind: 'pending', pendingQueries: 1, outcome: 'failed' });
    const payment = await payOrder({ amount: 60_000n });
    const input = refundInput(payment, 'doomed', 20_000n);
    await expect(provider.refund(input)).resolves.toMatchObject({ status: 'pending' });
    await expect(provider.getRefund(input)).resolves.toMatchObject({ status: 'pending' });
    await expect(provider.getRefund(input)).resolves.toMatchObject({ status: 'failed' });
    expect(sandbox.records.momoPayment(payment.txnRef)?.refundedAmount).toBe('0');
  });

  it('makes one refund of a timed-out request retried with the same key', async () => {
    const payment = await payOrder({ amount: 90_000n });
    const input = refundInput(payment, 'lost-answer', 90_000n, true);
    await armFault({ operation: 'refund', kind: 'timeout', delayMs: 1_000 });
    await expect(impatient.refund(input)).rejects.toMatchObject({
      name: 'PspTransientError',
      code: 'timeout',
    });
    await expect(provider.refund(input)).resolves.toMatchObject({ status: 'succeeded' });
    expect(
      sandbox.records.momoRefunds().filter((r) => r.paymentOrderId === payment.txnRef),
    ).toHaveLength(1);
  });

  it('refuses a refund MoMo declines', async () => {
    await armFault({ operation: 'refund', kind: 'decline' });
    const payment = await payOrder({ amount: 40_000n });
    const input = refundInput(payment, 'no', 40_000n, true);
    await expect(provider.refund(input)).rejects.toMatchObject({ code: 'declined' });
    await expect(provider.getRefund(input)).resolves.toMatchObject({ status: 'failed' });
  });
});

describe('MoMo authorise-then-capture', () => {
  it('holds the money (9000) until captured, then it can be refunded', async () => {
    const payment = await payOrder({ amount: 300_000n, via: holding });
    expect(payment.resultCode).toBe(9000);
    const [ipn] = await receiver.waitFor(payment.txnRef, 1);
    expect(verify(ipn, holding)).toMatchObject({ ok: true, event: { status: 'succeeded' } });
    await expect(
      holding.refund(refundInput(payment, 'early', 300_000n, true)),
    ).rejects.toMatchObject({ code: 'declined' });

    const input = {
      idempotencyKey: `escrow:${payment.txnRef}:capture`,
      txnRef: payment.txnRef,
      amount: 300_000n,
      description: 'Release to seller',
    };
    await expect(capture(holdingConfig, { ...input, amount: 1_000n })).rejects.toMatchObject({
      code: 'invalid_amount',
    });
    await expect(
      capture(holdingConfig, { ...input, idempotencyKey: `${input.idempotencyKey}:2` }),
    ).resolves.toEqual({
      status: 'succeeded',
      transId: payment.transId,
    });
    // The same key again: MoMo refuses the repeated requestId, the query shows it captured.
    await expect(
      capture(holdingConfig, { ...input, idempotencyKey: `${input.idempotencyKey}:2` }),
    ).resolves.toMatchObject({
      status: 'succeeded',
    });
    expect(sandbox.records.momoPayment(payment.txnRef)).toMatchObject({
      status: 'paid',
      resultCode: 0,
    });
    await expect(
      holding.refund(refundInput(payment, 'after', 300_000n, true)),
    ).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('cancels a hold: the buyer keeps the money and the payment reads as failed', async () => {
    const payment = await payOrder({ amount: 75_000n, via: holding });
    await expect(
      cancel(holdingConfig, {
        idempotencyKey: `escrow:${payment.txnRef}:cancel`,
        txnRef: payment.txnRef,
        amount: 75_000n,
        description: 'Buyer cancelled',
      }),
    ).resolves.toMatchObject({ status: 'succeeded' });
    await expect(
      holding.getTransaction({ txnRef: payment.txnRef, transactionDate: payment.createdAt }),
    ).resolves.toMatchObject({ status: 'failed' });
    await expect(
      capture(holdingConfig, {
        idempotencyKey: `escrow:${payment.txnRef}:capture`,
        txnRef: payment.txnRef,
        amount: 75_000n,
        description: 'Too late',
      }),
    ).rejects.toMatchObject({ code: 'declined' });
  });
});

describe('MoMo records across a restart', () => {
  it('keeps orders, refunds and seen requestIds in the data file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'momo-sandbox-'));
    const options = {
      port: 0,
      tmnCode,
      hashSecret,
      payosPayout,
      momo,
      ipnUrl: 'http://127.0.0.1:9/unused-vnpay-ipn',
      dataFile: join(dir, 'psp.json'),
    };
    const first = await startSandboxPsp(options);
    const config = { ...momo, baseUrl: first.url, ipnUrl: receiver.url, timeoutMs: 5_000 };
    const txnRef = newTxnRef('persist');
    const input = paymentInput(txnRef, 20_000n);
    const { url, createdAt } = await createMomoProvider(config).createPayment(input);
    const { transId } = await decide(url, 'success');
    const refund = refundInput({ txnRef, transId, createdAt }, 'kept', 5_000n);
    await createMomoProvider(config).refund(refund);
    await first.stop();

    const second = await startSandboxPsp(options);
    try {
      const again = createMomoProvider({ ...config, baseUrl: second.url });
      await expect(again.getTransaction({ txnRef, transactionDate: createdAt })).resolves.toEqual({
        status: 'succeeded',
        amount: 20_000n,
        providerTransactionId: transId,
      });
      await expect(again.getRefund(refund)).resolves.toMatchObject({ status: 'succeeded' });
      await expect(again.createPayment(input)).rejects.toMatchObject({
        code: 'idempotency_conflict',
      });
    } finally {
      await second.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
