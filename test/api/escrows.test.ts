import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { type ApiHarness, escrowBody, expectProblem, startApiHarness } from './harness.js';

let h: ApiHarness;
let platform: { id: string; apiKey: string };

beforeAll(async () => {
  h = await startApiHarness();
  platform = await h.createPlatform('Shop A');
});
afterAll(async () => {
  await h?.stop();
});

describe('POST /v1/escrows', () => {
  it('creates an escrow with a payment link, owned by the calling platform', async () => {
    const reply = await h.call('POST', '/v1/escrows', {
      token: platform.apiKey,
      body: escrowBody({ windows: { paymentWindow: 'PT45M', inspectionWindow: 'P5D' } }),
    });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body).toMatchObject({
      status: 'awaiting_payment',
      platformId: platform.id,
      amount: 1_500_000,
      currency: 'VND',
      fee: 30_000,
      payment: { url: expect.stringContaining('/paymentv2/vpcpay.html?') },
      allowedActions: ['cancel'],
    });
    expect(reply.body.id).toMatch(/^esc_[a-z0-9]{20}$/);
    expect(reply.headers.get('location')).toBe(`/v1/escrows/${reply.body.id}`);
    const deadline = Date.parse(reply.body.deadlines.paymentWindow);
    expect(deadline - Date.parse(reply.body.statusSince)).toBe(45 * 60_000);
    expect(Date.parse(reply.body.payment.expiresAt)).toBeGreaterThan(Date.now());
  });

  it("passes the buyer's IP to the PSP when given, else the caller's", async () => {
    const given = await h.createEscrow(platform.apiKey, { buyerIp: '203.113.152.10' });
    expect(new URL(given.payment.url).searchParams.get('vnp_IpAddr')).toBe('203.113.152.10');
    const caller = await h.createEscrow(platform.apiKey);
    expect(new URL(caller.payment.url).searchParams.get('vnp_IpAddr')).toBe('127.0.0.1');
  });
});

describe('GET /v1/escrows/{id}', () => {
  it('reads the escrow from the read model', async () => {
    const created = await h.createEscrow(platform.apiKey);
    const reply = await h.call('GET', `/v1/escrows/${created.id}`, { token: platform.apiKey });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toMatchObject({ id: created.id, status: 'awaiting_payment' });
    expect(reply.body.timeline).toBeUndefined();
  });

  it('answers 404 with a problem for an unknown id', async () => {
    expectProblem(await h.call('GET', '/v1/escrows/esc_nope', { token: platform.apiKey }), 404);
  });
});

describe('GET /v1/escrows/{id}/events', () => {
  it('lists the events in order, paginated', async () => {
    const created = await h.createEscrow(platform.apiKey);
    await h.fund(created);
    const first = await h.call('GET', `/v1/escrows/${created.id}/events?limit=1`, {
      token: platform.apiKey,
    });
    expect(first.status, first.text).toBe(200);
    expect(first.body.data).toEqual([
      expect.objectContaining({ seq: 1, type: 'created', status: 'awaiting_payment' }),
    ]);
    expect(first.body.nextCursor).toBe('1');
    const rest = await h.call('GET', `/v1/escrows/${created.id}/events?after=1`, {
      token: platform.apiKey,
    });
    expect(rest.body.data.map((e: { type: string }) => e.type)).toContain('payment_confirmed');
    expect(rest.body.nextCursor).toBeNull();
  });
});

describe('GET /v1/escrows', () => {
  it('filters and pages newest first with a cursor, only over the caller’s escrows', async () => {
    const other = await h.createPlatform('Shop B');
    const seller = `seller_${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await h.createEscrow(platform.apiKey, { sellerId: seller })).id);
    await h.createEscrow(other.apiKey, { sellerId: seller });

    const page1 = await h.call('GET', `/v1/escrows?sellerId=${seller}&limit=2`, {
      token: platform.apiKey,
    });
    expect(page1.status, page1.text).toBe(200);
    expect(page1.body.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await h.call(
      'GET',
      `/v1/escrows?sellerId=${seller}&limit=2&cursor=${page1.body.nextCursor}`,
      { token: platform.apiKey },
    );
    expect(page2.body.data.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();

    const byStatus = await h.call('GET', `/v1/escrows?sellerId=${seller}&status=funded`, {
      token: platform.apiKey,
    });
    expect(byStatus.body.data).toEqual([]);

    const asOps = await h.call('GET', `/v1/escrows?sellerId=${seller}`, { token: h.opsKey });
    expect(asOps.body.data).toHaveLength(4);
  });

  it('refuses a cursor it did not issue', async () => {
    const reply = await h.call('GET', '/v1/escrows?cursor=bm9wZQ', { token: platform.apiKey });
    expectProblem(reply, 422, 'validation-failed');
    expect(reply.body.errors).toEqual([{ field: 'query.cursor', message: expect.any(String) }]);
  });
});

describe('the escrow lifecycle over HTTP', () => {
  it('ship → deliver → accept → released and paid out, ledger consistent', async () => {
    const created = await h.createEscrow(platform.apiKey);
    await h.fund(created);
    const ship = await h.call('POST', `/v1/escrows/${created.id}/ship`, {
      token: platform.apiKey,
      body: { carrier: 'GHN', trackingNumber: 'GHN1' },
    });
    expect(ship.status, ship.text).toBe(200);
    expect(ship.body.status).toBe('shipped');
    const deliver = await h.call('POST', `/v1/escrows/${created.id}/deliver`, {
      token: platform.apiKey,
    });
    expect(deliver.body.status).toBe('delivered');
    const accept = await h.call('POST', `/v1/escrows/${created.id}/accept`, {
      token: platform.apiKey,
      body: {},
    });
    expect(accept.body.status).toBe('released');
    await eventually(async () => {
      const got = await h.call('GET', `/v1/escrows/${created.id}`, { token: platform.apiKey });
      expect(got.body.payout.status).toBe('paid');
    });
    const check = await h.call('GET', '/v1/ledger/check', { token: h.opsKey });
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({ ok: true, violations: [] });
  });
});
