import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import {
  type CallOptions,
  checkoutBody,
  checkoutSeller,
  expectProblem,
  useApiHarness,
} from './harness.js';

const api = useApiHarness();

const post = (body: unknown, options: CallOptions = {}) =>
  api.h.call('POST', '/v1/checkouts', { token: api.platform.apiKey, body, ...options });

describe('POST /v1/checkouts', () => {
  it('creates one payment for the cart and one escrow per seller, each an ordinary escrow', async () => {
    const body = checkoutBody();
    const reply = await post(body);
    expect(reply.status, reply.text).toBe(201);
    expect(reply.headers.get('location')).toBe(`/v1/checkouts/${reply.body.id}`);
    expect(reply.body.id).toMatch(/^chk_[0-9a-f]{20}$/);
    expect(reply.body.payment).toEqual({ url: expect.any(String), expiresAt: expect.any(String) });
    expect(reply.body.payment.url).toContain(`vnp_TxnRef=${reply.body.id}`);
    expect(reply.body.payment.url).toContain('vnp_Amount=200000000');
    const escrows = reply.body.escrows as { id: string; sellerId: string; amount: number }[];
    expect(escrows).toEqual([
      { id: expect.stringMatching(/^esc_/), sellerId: 'seller_a', amount: 1_200_000 },
      { id: expect.stringMatching(/^esc_/), sellerId: 'seller_b', amount: 800_000 },
    ]);

    // Each escrow is reachable by the escrow routes, with its seller, amount and fee.
    await eventually(async () => {
      const escrow = await api.h.call('GET', `/v1/escrows/${escrows[0]?.id}`, {
        token: api.platform.apiKey,
      });
      expect(escrow.status, escrow.text).toBe(200);
      expect(escrow.body).toMatchObject({
        sellerId: 'seller_a',
        buyerId: 'buyer_1',
        amount: 1_200_000,
        fee: 20_000,
        status: 'awaiting_payment',
        reference: body.reference,
      });
    });

    const read = await api.h.call('GET', `/v1/checkouts/${reply.body.id}`, {
      token: api.platform.apiKey,
    });
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({
      id: reply.body.id,
      platformId: api.platform.id,
      reference: body.reference,
      buyerId: 'buyer_1',
      currency: 'VND',
      amount: 2_000_000,
      paymentMethod: 'vnpay',
      status: 'awaiting_payment',
      payment: reply.body.payment,
    });
    expect(read.body.escrows.map((e: { id: string }) => e.id)).toEqual(escrows.map((e) => e.id));

    // The buyer pays the cart once: every escrow is funded with its share.
    await api.h.stack.pay(reply.body.payment.url);
    await eventually(async () => {
      const paid = await api.h.call('GET', `/v1/checkouts/${reply.body.id}`, {
        token: api.platform.apiKey,
      });
      expect(paid.body.status).toBe('paid');
      expect(paid.body.paymentTransactionId).toEqual(expect.any(String));
      expect(paid.body.escrows).toEqual([
        expect.objectContaining({
          id: escrows[0]?.id,
          status: 'funded',
          money: expect.objectContaining({ funded: 1_200_000, held: 1_200_000 }),
        }),
        expect.objectContaining({
          id: escrows[1]?.id,
          status: 'funded',
          money: expect.objectContaining({ funded: 800_000, held: 800_000 }),
        }),
      ]);
    });
    // Seller B's escrow ships as any escrow does.
    const shipped = await api.h.call('POST', `/v1/escrows/${escrows[1]?.id}/ship`, {
      token: api.platform.apiKey,
      body: { carrier: 'GHN', trackingNumber: 'T-B' },
    });
    expect(shipped.status, shipped.text).toBe(200);
    expect(shipped.body.status).toBe('shipped');
  });

  it('with an Idempotency-Key, a retry gets the same checkout and escrows', async () => {
    const body = checkoutBody();
    const first = await post(body, { idempotencyKey: 'cart-key-1' });
    expect(first.status, first.text).toBe(201);
    const replay = await post(body, { idempotencyKey: 'cart-key-1' });
    expect(replay.status, replay.text).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    const [row] = await api.h.db.sql<{ n: number }[]>`
      select count(*)::int as n from checkouts where reference = ${body.reference}`;
    expect(row?.n).toBe(1);
    const other = await post(checkoutBody(), { idempotencyKey: 'cart-key-1' });
    expectProblem(other, 422, 'idempotency-key-reused');
  });
});

describe('POST /v1/checkouts refuses bad input with a 422 naming the field', () => {
  const seller = (i: number, items = 1) =>
    checkoutSeller(
      `seller_${i}`,
      Array.from({ length: items }, () => 10_000),
    );
  it.each([
    {
      name: 'one seller twice',
      body: checkoutBody({ sellers: [seller(1), seller(2), seller(1)] }),
      field: 'body.sellers.2.sellerId',
    },
    {
      name: 'more than 50 sellers',
      body: checkoutBody({ sellers: Array.from({ length: 51 }, (_, i) => seller(i)) }),
      field: 'body.sellers',
    },
    {
      name: 'more than 100 items in total',
      body: checkoutBody({ sellers: [seller(1, 60), seller(2, 41)] }),
      field: 'body.sellers',
    },
    { name: 'an empty sellers list', body: checkoutBody({ sellers: [] }), field: 'body.sellers' },
    {
      name: 'no sellers',
      body: (() => {
        const { sellers: _s, ...rest } = checkoutBody();
        return rest;
      })(),
      field: 'body.sellers',
    },
    {
      name: 'a seller without items',
      body: checkoutBody({ sellers: [{ ...seller(1), items: [] }] }),
      field: 'body.sellers.0.items',
    },
    {
      name: 'an item of 0',
      body: checkoutBody({ sellers: [checkoutSeller('s', [0])] }),
      field: 'body.sellers.0.items.0.amount',
    },
    {
      name: 'two items with one id',
      body: checkoutBody({
        sellers: [
          {
            ...seller(1),
            items: [
              { id: 'x', description: 'a', amount: 10_000 },
              { id: 'x', description: 'b', amount: 10_000 },
            ],
          },
        ],
      }),
      field: 'body.sellers.0.items.1.id',
    },
    {
      name: "a fee above the seller's amount",
      body: checkoutBody({ sellers: [checkoutSeller('s', [10_000, 5_000], 15_001)] }),
      field: 'body.sellers.0.fee',
    },
    {
      name: 'an unknown field on a seller',
      body: checkoutBody({ sellers: [{ ...seller(1), amount: 10 }] }),
      field: 'body.sellers.0.amount',
    },
    {
      name: "a cart total below the rail's minimum",
      body: checkoutBody({ sellers: [checkoutSeller('s', [1_000])] }),
      field: 'body.sellers',
    },
    {
      name: "a cart total above the rail's maximum",
      body: checkoutBody({
        sellers: [checkoutSeller('s', [600_000_000]), checkoutSeller('t', [600_000_000])],
      }),
      field: 'body.sellers',
    },
    {
      name: 'payOS without a refundDestination',
      body: checkoutBody({ paymentMethod: 'payos' }),
      field: 'body.refundDestination',
    },
    {
      name: 'a bad window',
      body: checkoutBody({ windows: { paymentWindow: 'PT1S' } }),
      field: 'body.windows.paymentWindow',
    },
  ])('$name', async ({ body, field }) => {
    const reply = await post(body);
    expectProblem(reply, 422, 'validation-failed');
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('GET /v1/checkouts/{id}', () => {
  it('another platform, and an unknown id, get 404; ops see any; party tokens get 403', async () => {
    const checkout = await api.h.createCheckout(api.platform.apiKey);
    const other = await api.h.createPlatform('Other shop');
    expectProblem(
      await api.h.call('GET', `/v1/checkouts/${checkout.id}`, { token: other.apiKey }),
      404,
      'not-found',
    );
    expectProblem(
      await api.h.call('GET', '/v1/checkouts/chk_00000000000000000000', {
        token: api.platform.apiKey,
      }),
      404,
      'not-found',
    );
    const ops = await api.h.call('GET', `/v1/checkouts/${checkout.id}`, { token: api.h.opsKey });
    expect(ops.status, ops.text).toBe(200);
    expect(ops.body.platformId).toBe(api.platform.id);
    const escrowId = checkout.escrows[0]?.id as string;
    await eventually(async () => expect(await api.h.statusOf(escrowId)).toBe('awaiting_payment'));
    for (const role of ['buyer', 'seller'] as const) {
      const token = await api.h.partyToken(api.platform.apiKey, escrowId, role);
      expectProblem(
        await api.h.call('GET', `/v1/checkouts/${checkout.id}`, { token }),
        403,
        'forbidden',
      );
      // The party token still reaches its own escrow of the cart.
      const own = await api.h.call('GET', `/v1/escrows/${escrowId}`, { token });
      expect(own.status, own.text).toBe(200);
    }
    expectProblem(
      await api.h.call('POST', '/v1/checkouts', { token: api.h.opsKey, body: checkoutBody() }),
      403,
      'forbidden',
    );
  });
});
