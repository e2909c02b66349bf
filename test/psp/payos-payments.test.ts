import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createPayosProvider,
  orderCodeOf,
  PAYOS_LIMITS,
  type PayosPaymentProvider,
} from '../../psp/payos/collection.js';
import {
  type CallbackOutcome,
  type CreatePaymentInput,
  type PaymentEvent,
  PspTransientError,
} from '../../psp/types.js';
import type { FaultSpec } from '../../sandbox/faults.js';
import { bodyText, hmacHex, paymentRequestText } from '../../sandbox/payos/body-signing.js';
import { newTxnRef, type PspFixture, startPspFixture } from './harness.js';

/** The sandbox's payOS payment channel: keys of its own, unlike the payout channel's. */
const channel = {
  clientId: 'test-payment-client',
  apiKey: 'test-payment-api-key-0123456789',
  checksumKey: 'test-payment-checksum-key-0123456789abcdef',
};

interface ReceivedWebhook {
  body: string;
  status: number;
  outcome: CallbackOutcome;
  event?: PaymentEvent;
}

/**
 * A real HTTP server standing in for our API's `/v1/psp/payos/callback`, deciding like the
 * callback route will: verify with the adapter, look the order up by orderCode, compare the
 * amount, confirm once per link, and answer with the adapter's acknowledgement.
 */
class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** orderCode → expected amount, as the engine's escrows would know it. */
  readonly orders = new Map<string, bigint>();
  private readonly confirmed = new Set<string>();
  private script: number[] = [];
  provider!: PayosPaymentProvider;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}/v1/psp/payos/callback`);
    server.on('request', async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      const scripted = receiver.script.shift();
      const { outcome, event } = receiver.decide(request.method ?? '', body);
      const ack = receiver.provider.acknowledge(outcome);
      const status = scripted ?? ack.status;
      receiver.received.push({ body, status, outcome, ...(event ? { event } : {}) });
      response.writeHead(status, { 'content-type': ack.contentType });
      response.end(JSON.stringify(ack.body));
    });
    return receiver;
  }

  /** The next webhooks get these HTTP statuses, whatever they carry. */
  failNext(...statuses: number[]): void {
    this.script.push(...statuses);
  }

  private decide(method: string, body: string): { outcome: CallbackOutcome; event?: PaymentEvent } {
    const verification = this.provider.verifyCallback({ method, query: {}, body });
    if (!verification.ok) {
      return {
        outcome: verification.reason === 'invalid_signature' ? 'invalid_signature' : 'error',
      };
    }
    const { event } = verification;
    const expected = this.orders.get(event.txnRef);
    if (expected === undefined) return { outcome: 'order_not_found', event };
    if (event.amount !== expected) return { outcome: 'invalid_amount', event };
    if (event.status !== 'succeeded') return { outcome: 'confirmed', event };
    if (this.confirmed.has(event.providerTransactionId))
      return { outcome: 'already_confirmed', event };
    this.confirmed.add(event.providerTransactionId);
    return { outcome: 'confirmed', event };
  }

  forOrder(txnRef: string): ReceivedWebhook[] {
    const orderCode = orderCodeOf(txnRef);
    return this.received.filter((w) => {
      try {
        return (
          (JSON.parse(w.body) as { data?: { orderCode?: number } }).data?.orderCode === orderCode
        );
      } catch {
        return false;
      }
    });
  }

  async waitFor(txnRef: string, count: number, timeoutMs = 10_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.forOrder(txnRef).length < count) {
      if (Date.now() > deadline) {
        throw new Error(
          `expected ${count} webhooks for ${txnRef}, got ${this.forOrder(txnRef).length}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.forOrder(txnRef);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let psp: PspFixture;
let receiver: WebhookReceiver;
let payos: PayosPaymentProvider;
let impatient: PayosPaymentProvider;
/** The sandbox's clock runs this far ahead, to let payment links expire. */
let clockOffsetMs = 0;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  psp = await startPspFixture({
    payosPayment: { ...channel, webhookUrl: receiver.url },
    now: () => new Date(Date.now() + clockOffsetMs),
  });
  const config = { baseUrl: psp.sandbox.url, ...channel };
  payos = createPayosProvider({ ...config, timeoutMs: 5_000 });
  impatient = createPayosProvider({ ...config, timeoutMs: 300 });
  receiver.provider = payos;
});
afterAll(async () => {
  await psp?.stop();
  await receiver?.stop();
});
beforeEach(async () => {
  clockOffsetMs = 0;
  await fetch(`${psp.sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
});

const arm = (fault: FaultSpec) => psp.armFault(fault);

function paymentInput(overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput {
  const txnRef = overrides.txnRef ?? newTxnRef('payos');
  return {
    idempotencyKey: `escrow:${txnRef}:payment`,
    txnRef,
    amount: 150_000n,
    currency: 'VND',
    description: 'Thanh toán đơn hàng',
    returnUrl: 'http://127.0.0.1:9/return',
    expiresAt: new Date(Date.now() + 15 * 60_000),
    clientIp: '127.0.0.1',
    ...overrides,
  };
}

/** Creates a link through the adapter, registers the order with the receiver, and decides it. */
async function createAndDecide(
  outcome: 'success' | 'decline' = 'success',
  overrides: Partial<CreatePaymentInput> = {},
) {
  const input = paymentInput(overrides);
  receiver.orders.set(String(orderCodeOf(input.txnRef)), input.amount);
  const created = await payos.createPayment(input);
  const response = await fetch(created.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ outcome }),
  });
  expect(response.status).toBe(200);
  const decided = (await response.json()) as {
    status: string;
    paymentLinkId: string;
    returnUrl: string;
  };
  return { input, created, ...decided };
}

const sandboxLink = (txnRef: string) => psp.sandbox.records.payosPayment(orderCodeOf(txnRef));

/** A raw call to the sandbox's payOS payment API with the channel's credentials. */
const callPayos = (path: string, body?: unknown) =>
  fetch(`${psp.sandbox.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      'x-client-id': channel.clientId,
      'x-api-key': channel.apiKey,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const webhookOf = (received: ReceivedWebhook) =>
  JSON.parse(received.body) as { data: Record<string, unknown>; signature: string };

describe('create and pay', () => {
  it('pays a link; the signed webhook verifies and getTransaction agrees', async () => {
    const { input, created, status, paymentLinkId, returnUrl } = await createAndDecide();
    expect(status).toBe('PAID');
    expect(created.url).toBe(`${psp.sandbox.url}/web/${paymentLinkId}`);
    expect(created.expiresAt.getTime()).toBe(Math.floor(input.expiresAt.getTime() / 1000) * 1000);

    const [webhook] = await receiver.waitFor(input.txnRef, 1);
    expect(webhook).toMatchObject({ status: 200, outcome: 'confirmed' });
    expect(webhook?.event).toMatchObject({
      txnRef: String(orderCodeOf(input.txnRef)),
      providerTransactionId: paymentLinkId,
      amount: 150_000n,
      currency: 'VND',
      status: 'succeeded',
    });
    // All 16 data fields of §2.6, signed over data alone.
    const body = webhookOf(webhook as ReceivedWebhook);
    expect(Object.keys(body.data)).toHaveLength(16);
    expect(body.data).toMatchObject({ description: 'Thanh toan don hang', code: '00' });
    expect(body.signature).toBe(hmacHex(channel.checksumKey, bodyText(body.data)));

    const back = new URL(returnUrl);
    expect(Object.fromEntries(back.searchParams)).toEqual({
      code: '00',
      id: paymentLinkId,
      cancel: 'false',
      status: 'PAID',
      orderCode: String(orderCodeOf(input.txnRef)),
    });
    await expect(
      payos.getTransaction({ txnRef: input.txnRef, transactionDate: created.createdAt }),
    ).resolves.toEqual({
      status: 'succeeded',
      providerTransactionId: paymentLinkId,
      amount: 150_000n,
    });
    expect(sandboxLink(input.txnRef)?.webhooks).toMatchObject([
      { kind: 'original', acknowledged: true },
    ]);
  });

  it('shows a VietQR transfer screen a person can click through', async () => {
    const input = paymentInput();
    const { url } = await payos.createPayment(input);
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(html).toContain('I have paid');
    expect(html).toContain('Cancel');
    expect(html).toContain('150,000 VND');
    expect(html).toMatch(/000201010212/);

    const paid = await fetch(url, {
      method: 'POST',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=success',
      redirect: 'manual',
    });
    expect(paid.status).toBe(302);
    expect(paid.headers.get('location')).toMatch(
      /^http:\/\/127\.0\.0\.1:9\/return\?code=00&id=\w+&cancel=false&status=PAID/,
    );
    const again = await fetch(url, { headers: { accept: 'text/html' } });
    expect(await again.text()).toContain('This payment link is PAID.');
  });

  it('a cancelled link goes back with cancel=true, sends no webhook and reads as failed', async () => {
    const { input, created, status, returnUrl } = await createAndDecide('decline');
    expect(status).toBe('CANCELLED');
    expect(new URL(returnUrl).searchParams.get('cancel')).toBe('true');
    await expect(
      payos.getTransaction({ txnRef: input.txnRef, transactionDate: created.createdAt }),
    ).resolves.toMatchObject({
      status: 'failed',
      amount: 0n,
    });
    expect(sandboxLink(input.txnRef)?.webhooks).toEqual([]);
  });

  it('a transfer the bank declines (decline fault) leaves the link FAILED, without webhook', async () => {
    await arm({ operation: 'create', kind: 'decline' });
    const { input, status } = await createAndDecide('success');
    expect(status).toBe('FAILED');
    await expect(
      payos.getTransaction({ txnRef: input.txnRef, transactionDate: new Date() }),
    ).resolves.toMatchObject({
      status: 'failed',
    });
    expect(sandboxLink(input.txnRef)?.webhooks).toEqual([]);
  });

  it('reads an unpaid link as pending and an unknown txnRef as not_found', async () => {
    const input = paymentInput();
    const created = await payos.createPayment(input);
    await expect(
      payos.getTransaction({ txnRef: input.txnRef, transactionDate: created.createdAt }),
    ).resolves.toMatchObject({
      status: 'pending',
      amount: 0n,
    });
    await expect(
      payos.getTransaction({ txnRef: newTxnRef('never'), transactionDate: new Date() }),
    ).resolves.toEqual({
      status: 'not_found',
    });
  });

  it('an expired link reads as failed, and a retried create for it is declined', async () => {
    const input = paymentInput({ expiresAt: new Date(Date.now() + 60_000) });
    await payos.createPayment(input);
    clockOffsetMs = 120_000;
    await expect(
      payos.getTransaction({ txnRef: input.txnRef, transactionDate: new Date() }),
    ).resolves.toMatchObject({
      status: 'failed',
    });
    expect(sandboxLink(input.txnRef)?.status).toBe('EXPIRED');
    await expect(payos.createPayment(input)).rejects.toMatchObject({ code: 'declined' });
  });
});

describe('callbacks the adapter refuses', () => {
  const send = (body: unknown) =>
    payos.verifyCallback({
      method: 'POST',
      query: {},
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('refuses a forged signature, a tampered amount and a missing signature; answers non-2xx', async () => {
    const { input } = await createAndDecide();
    const [webhook] = await receiver.waitFor(input.txnRef, 1);
    const genuine = JSON.parse((webhook as ReceivedWebhook).body) as Record<string, unknown> & {
      data: Record<string, unknown>;
    };
    expect(send(genuine)).toMatchObject({ ok: true });

    const forged = {
      ...genuine,
      signature: hmacHex('not the checksum key', bodyText(genuine.data)),
    };
    const tampered = { ...genuine, data: { ...genuine.data, amount: 1_500_000 } };
    const unsigned = { ...genuine, signature: undefined };
    for (const body of [forged, tampered, unsigned]) {
      expect(send(body)).toMatchObject({ ok: false, reason: 'invalid_signature' });
    }
    // The top level is not signed: changing it changes nothing, and nothing is read from it.
    expect(send({ ...genuine, code: '99', success: false })).toMatchObject({
      ok: true,
      event: { status: 'succeeded' },
    });
    expect(payos.acknowledge('invalid_signature')).toMatchObject({ status: 400 });

    // Delivered over HTTP, the receiver answers a forged one the way payOS reads: not 2xx.
    const response = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tampered),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ success: false, message: 'invalid signature' });
  });

  it('calls a body that is not a webhook malformed', () => {
    expect(send('not json')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(send({ code: '00' })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(payos.verifyCallback({ method: 'GET', query: {} })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    const data = {
      orderCode: -1,
      amount: 1,
      paymentLinkId: 'x',
      code: '00',
      transactionDateTime: '2025-12-12 09:00:00',
    };
    const signed = { data, signature: hmacHex(channel.checksumKey, bodyText(data)) };
    expect(send(signed)).toMatchObject({
      ok: false,
      reason: 'malformed',
      detail: expect.stringContaining('orderCode'),
    });
  });

  it('acknowledges an unknown order and a wrong amount with 200, so payOS stops', async () => {
    const data = {
      orderCode: 123,
      amount: 3000,
      description: 'VQRIO123',
      accountNumber: '12345678',
      reference: 'TF230204212323',
      transactionDateTime: '2023-02-04 18:25:00',
      currency: 'VND',
      paymentLinkId: '124c33293c43417ab7879e14c8d9eb18',
      code: '00',
      desc: 'success',
      counterAccountBankId: '',
      counterAccountBankName: '',
      counterAccountName: '',
      counterAccountNumber: '',
      virtualAccountName: '',
      virtualAccountNumber: '',
    };
    const post = (body: unknown) =>
      fetch(receiver.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const unknown = await post({
      code: '00',
      desc: 'success',
      success: true,
      data,
      signature: hmacHex(channel.checksumKey, bodyText(data)),
    });
    expect(unknown.status).toBe(200);
    expect(receiver.received.at(-1)?.outcome).toBe('order_not_found');

    receiver.orders.set('123', 5000n);
    const wrongAmount = await post({
      data,
      signature: hmacHex(channel.checksumKey, bodyText(data)),
    });
    expect(wrongAmount.status).toBe(200);
    expect(receiver.received.at(-1)?.outcome).toBe('invalid_amount');
    expect(payos.acknowledge('error').status).toBe(500);
  });
});

describe('webhook faults', () => {
  it('duplicate_callback: the same signed webhook twice, confirmed then already confirmed', async () => {
    await arm({ operation: 'ipn', kind: 'duplicate_callback' });
    const { input } = await createAndDecide();
    const [first, second] = await receiver.waitFor(input.txnRef, 2);
    expect(first?.body).toBe(second?.body);
    expect([first?.outcome, second?.outcome]).toEqual(['confirmed', 'already_confirmed']);
    expect([first?.status, second?.status]).toEqual([200, 200]);
  });

  it('out_of_order_callback: an older failed transfer arrives after the payment', async () => {
    await arm({ operation: 'ipn', kind: 'out_of_order_callback' });
    const { input } = await createAndDecide();
    const [paid, stale] = await receiver.waitFor(input.txnRef, 2);
    expect(paid?.event?.status).toBe('succeeded');
    expect(stale?.event).toMatchObject({
      status: 'failed',
      providerTransactionId: paid?.event?.providerTransactionId,
    });
    expect((stale?.event?.paidAt.getTime() ?? 0) <= (paid?.event?.paidAt.getTime() ?? 0)).toBe(
      true,
    );
    // payOS still holds the link as paid.
    await expect(
      payos.getTransaction({ txnRef: input.txnRef, transactionDate: new Date() }),
    ).resolves.toMatchObject({
      status: 'succeeded',
    });
  });

  it('drop: no webhook at all, and getTransaction finds the payment', async () => {
    await arm({ operation: 'ipn', kind: 'drop' });
    const { input } = await createAndDecide();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.forOrder(input.txnRef)).toEqual([]);
    await expect(
      payos.getTransaction({ txnRef: input.txnRef, transactionDate: new Date() }),
    ).resolves.toMatchObject({
      status: 'succeeded',
    });
  });

  it('retries a webhook the merchant fails, until a 2xx', async () => {
    receiver.failNext(500, 503);
    const { input } = await createAndDecide();
    const received = await receiver.waitFor(input.txnRef, 3);
    expect(received.map((w) => w.status)).toEqual([500, 503, 200]);
    await expect.poll(() => sandboxLink(input.txnRef)?.webhooks[0]?.acknowledged).toBe(true);
    expect(sandboxLink(input.txnRef)?.webhooks[0]?.attempts).toHaveLength(3);
  });

  it('delay: the webhook comes late', async () => {
    await arm({ operation: 'ipn', kind: 'delay', delayMs: 300 });
    const started = Date.now();
    const { input } = await createAndDecide();
    await receiver.waitFor(input.txnRef, 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});

describe('idempotent create', () => {
  it('a retried create of the same txnRef hands out the same link, and payOS holds one', async () => {
    const input = paymentInput();
    const first = await payos.createPayment(input);
    const second = await payos.createPayment(input);
    expect(second.url).toBe(first.url);
    expect(
      psp.sandbox.records.payosPayments().filter((l) => l.orderCode === orderCodeOf(input.txnRef)),
    ).toHaveLength(1);
  });

  it('a timed-out create, retried with the same txnRef, makes one link', async () => {
    await arm({ operation: 'create', kind: 'timeout', delayMs: 1_000 });
    const input = paymentInput();
    const error = await impatient.createPayment(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PspTransientError);
    expect(error).toMatchObject({ code: 'timeout' });
    // The sandbox made the link before holding the answer.
    expect(sandboxLink(input.txnRef)?.status).toBe('PENDING');
    const retried = await payos.createPayment(input);
    expect(retried.url).toBe(`${psp.sandbox.url}/web/${sandboxLink(input.txnRef)?.paymentLinkId}`);
    expect(
      psp.sandbox.records.payosPayments().filter((l) => l.orderCode === orderCodeOf(input.txnRef)),
    ).toHaveLength(1);
  });

  it('an http500 on create or query is transient', async () => {
    await arm({ operation: 'create', kind: 'http500' });
    await expect(payos.createPayment(paymentInput())).rejects.toMatchObject({
      code: 'server_error',
    });
    await arm({ operation: 'query', kind: 'http500' });
    await expect(
      payos.getTransaction({ txnRef: newTxnRef('q'), transactionDate: new Date() }),
    ).rejects.toBeInstanceOf(PspTransientError);
  });

  it('the same txnRef for another amount is an idempotency conflict', async () => {
    const input = paymentInput();
    await payos.createPayment(input);
    await expect(
      payos.createPayment({ ...input, amount: input.amount + 1_000n }),
    ).rejects.toMatchObject({
      code: 'idempotency_conflict',
    });
  });
});

describe("the sandbox's create refusals", () => {
  const request = (overrides: Record<string, unknown> = {}) => {
    const body = {
      orderCode: Math.floor(Math.random() * 2 ** 40) + 1,
      amount: 10_000,
      description: 'Thanh toan',
      returnUrl: 'http://127.0.0.1:9/return',
      cancelUrl: 'http://127.0.0.1:9/return',
      ...overrides,
    };
    return { ...body, signature: hmacHex(channel.checksumKey, paymentRequestText(body)) };
  };

  it('231 for a reused orderCode, 20 for bad input, 201 for a bad signature', async () => {
    const first = request();
    await expect((await callPayos('/v2/payment-requests', first)).json()).resolves.toMatchObject({
      code: '00',
    });
    await expect((await callPayos('/v2/payment-requests', first)).json()).resolves.toMatchObject({
      code: '231',
    });
    const long = request({ description: 'x'.repeat(26) });
    await expect((await callPayos('/v2/payment-requests', long)).json()).resolves.toMatchObject({
      code: '20',
      desc: expect.stringContaining('25'),
    });
    await expect(
      (await callPayos('/v2/payment-requests', request({ orderCode: 0 }))).json(),
    ).resolves.toMatchObject({
      code: '20',
    });
    const forged = { ...request(), signature: hmacHex('wrong key', 'x') };
    await expect((await callPayos('/v2/payment-requests', forged)).json()).resolves.toMatchObject({
      code: '201',
    });
  });

  it('answers unknown credentials with 401, which the adapter calls misconfigured', async () => {
    const stranger = createPayosProvider({
      baseUrl: psp.sandbox.url,
      ...channel,
      apiKey: 'wrong',
      timeoutMs: 5_000,
    });
    await expect(stranger.createPayment(paymentInput())).rejects.toMatchObject({
      code: 'misconfigured',
    });
    const wrongKey = createPayosProvider({
      baseUrl: psp.sandbox.url,
      ...channel,
      checksumKey: 'wrong',
      timeoutMs: 5_000,
    });
    await expect(wrongKey.createPayment(paymentInput())).rejects.toMatchObject({
      code: 'misconfigured',
    });
  });
});

describe('amount limits', () => {
  it('refuses amounts outside PAYOS_LIMITS, naming the limit, and other currencies', async () => {
    expect(PAYOS_LIMITS).toEqual({ currency: 'VND', min: 2_000n, max: 500_000_000n });
    await expect(payos.createPayment(paymentInput({ amount: 1_999n }))).rejects.toMatchObject({
      name: 'PspPermanentError',
      code: 'invalid_amount',
      message: 'payOS payment of 1999 VND is outside the minimum 2000 VND per payment',
    });
    await expect(payos.createPayment(paymentInput({ amount: 500_000_001n }))).rejects.toMatchObject(
      {
        code: 'invalid_amount',
        message: expect.stringContaining('maximum 500000000'),
      },
    );
    await expect(payos.createPayment(paymentInput({ currency: 'USD' }))).rejects.toMatchObject({
      code: 'unsupported_currency',
    });
    // The limits themselves are accepted.
    await expect(
      payos.createPayment(paymentInput({ amount: PAYOS_LIMITS.min })),
    ).resolves.toHaveProperty('url');
    await expect(
      payos.createPayment(paymentInput({ amount: PAYOS_LIMITS.max })),
    ).resolves.toHaveProperty('url');
  });
});

describe('refunds and cancel', () => {
  it('refuses refund and getRefund: they go out through the payout rail', async () => {
    const { input } = await createAndDecide();
    const refund = {
      idempotencyKey: `escrow:${input.txnRef}:refund:1`,
      txnRef: input.txnRef,
      providerTransactionId: 'x',
      transactionDate: new Date(),
      amount: input.amount,
      currency: 'VND',
      full: true,
      reason: 'buyer cancelled',
    };
    for (const call of [
      payos.refund(refund),
      payos.getRefund(refund),
      payos.refund({ ...refund, full: false, amount: 1_000n }),
    ]) {
      await expect(call).rejects.toMatchObject({
        name: 'PspPermanentError',
        code: 'declined',
        message: expect.stringContaining('payout rail'),
      });
    }
  });

  it('cancels an unpaid link so it can no longer be paid; a paid one cannot be cancelled', async () => {
    const input = paymentInput();
    const { url } = await payos.createPayment(input);
    await expect(payos.cancel(input.txnRef, 'window closed')).resolves.toMatchObject({
      status: 'failed',
    });
    expect(sandboxLink(input.txnRef)).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'window closed',
    });
    await expect(payos.cancel(input.txnRef, 'again')).resolves.toMatchObject({ status: 'failed' });
    const pay = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'success' }),
    });
    expect(pay.status).toBe(409);

    const paid = await createAndDecide();
    await expect(payos.cancel(paid.input.txnRef, 'late')).rejects.toMatchObject({
      code: 'declined',
    });
    await expect(payos.cancel(newTxnRef('none'), 'none')).resolves.toEqual({ status: 'not_found' });
  });
});

describe('the data file', () => {
  it('keeps payment links across a restart and finishes their open webhooks', async () => {
    const dataFile = join(await mkdtemp(join(tmpdir(), 'payos-sandbox-')), 'psp.json');
    // First run: the merchant is down (nothing listens on port 9), so the webhook stays open.
    const first = await startPspFixture({
      dataFile,
      payosPayment: { ...channel, webhookUrl: 'http://127.0.0.1:9/v1/psp/payos/callback' },
      ipnRetry: { attempts: 50, initialDelayMs: 20, maxDelayMs: 50, timeoutMs: 200 },
    });
    const input = paymentInput();
    receiver.orders.set(String(orderCodeOf(input.txnRef)), input.amount);
    const adapter = createPayosProvider({
      baseUrl: first.sandbox.url,
      ...channel,
      timeoutMs: 5_000,
    });
    const { url } = await adapter.createPayment(input);
    const paid = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'success' }),
    });
    expect(paid.status).toBe(200);
    await first.stop();

    const second = await startPspFixture({
      dataFile,
      payosPayment: { ...channel, webhookUrl: receiver.url },
    });
    try {
      const again = createPayosProvider({
        baseUrl: second.sandbox.url,
        ...channel,
        timeoutMs: 5_000,
      });
      await expect(
        again.getTransaction({ txnRef: input.txnRef, transactionDate: new Date() }),
      ).resolves.toMatchObject({
        status: 'succeeded',
        amount: input.amount,
      });
      const [webhook] = await receiver.waitFor(input.txnRef, 1);
      expect(webhook).toMatchObject({ status: 200, outcome: 'confirmed' });
    } finally {
      await second.stop();
    }
  });
});
