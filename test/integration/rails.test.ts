import { describe, expect, it } from 'vitest';
import type { Rail } from '../../domain/rails.js';
import { orderCodeOf } from '../../psp/payos/order-code.js';
import type { PaymentProvider } from '../../psp/types.js';
import { signedQueryString } from '../../psp/vnpay/signing.js';
import type { FaultSpec } from '../../sandbox/faults.js';
import { useApiHarness } from '../api/harness.js';
import { eventually } from '../support/eventually.js';

// One deployment, four rails: each escrow is paid, refunded and called back on its own rail,
// through the real API, workflow, adapters and the sandbox's page for that rail.
const api = useApiHarness();

const post = (path: string, token: string, body?: unknown) =>
  api.h.call('POST', path, { token, ...(body === undefined ? {} : { body }) });
const get = (path: string) => api.h.call('GET', path, { token: api.platform.apiKey });

/** The buyer's own account: payOS cannot refund, so its refunds are paid out here. */
const buyerAccount = { bankCode: 'TCB', accountNumber: '1903456789', accountName: 'TRAN THI B' };

const create = async (rail: Rail) => {
  const escrow = await api.h.createEscrow(api.platform.apiKey, {
    paymentMethod: rail,
    ...(rail === 'payos' ? { refundDestination: buyerAccount } : {}),
  });
  expect(escrow).toMatchObject({ paymentMethod: rail });
  return escrow;
};

/** A VNPay IPN paying the escrow in full, signed with `secret`. */
const vnpayIpn = (escrowId: string, secret: string) =>
  `?${signedQueryString(
    {
      vnp_TmnCode: api.h.stack.vnpayCredentials.tmnCode,
      vnp_TxnRef: escrowId,
      vnp_Amount: String(1_500_000 * 100),
      vnp_TransactionNo: '77777777',
      vnp_ResponseCode: '00',
      vnp_TransactionStatus: '00',
      vnp_BankCode: 'NCB',
      vnp_PayDate: '20261125120000',
      vnp_OrderInfo: 'Escrow payment',
    },
    secret,
  )}`;

/** Sends a callback to the rail's route: a query (VNPay's GET) or a JSON body (the others). */
const callback = (rail: Rail, payload: string) =>
  fetch(
    `${api.h.stack.apiUrl}/v1/psp/${rail}/callback${rail === 'vnpay' ? payload : ''}`,
    rail === 'vnpay'
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload },
  );

/** A well-formed callback of the rail's shape whose signature is wrong. */
const forgedCallback = (rail: Rail, escrowId: string): string => {
  switch (rail) {
    case 'vnpay':
      return vnpayIpn(escrowId, 'not-the-merchant-hash-secret-0123456789');
    case 'momo':
      return JSON.stringify({
        partnerCode: api.h.stack.railCredentials.momo.partnerCode,
        orderId: escrowId,
        requestId: escrowId,
        amount: 1_500_000,
        orderInfo: 'forged',
        orderType: 'momo_wallet',
        transId: 9_999_999,
        resultCode: 0,
        message: 'Successful.',
        payType: 'qr',
        responseTime: Date.now(),
        extraData: '',
        signature: 'f'.repeat(64),
      });
    case 'zalopay':
      return JSON.stringify({
        data: JSON.stringify({ app_trans_id: escrowId, amount: 1_500_000, zp_trans_id: 1 }),
        mac: 'f'.repeat(64),
        type: 1,
      });
    case 'payos':
      return JSON.stringify({
        code: '00',
        desc: 'success',
        success: true,
        data: { orderCode: 123, amount: 1_500_000, code: '00', paymentLinkId: 'x' },
        signature: 'f'.repeat(64),
      });
  }
};

async function arm(fault: FaultSpec) {
  const response = await fetch(`${api.h.stack.sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  expect(response.status).toBe(201);
}

/** The callback the rail's sandbox delivered for the escrow, as it was sent. */
function deliveredCallback(rail: Rail, escrowId: string): string {
  const { records } = api.h.stack.sandbox;
  switch (rail) {
    case 'vnpay':
      return `?${new URLSearchParams(records.payment(escrowId)?.ipn[0]?.params).toString()}`;
    case 'momo':
      return JSON.stringify(records.momoPayment(escrowId)?.ipn[0]?.body);
    case 'zalopay': {
      const order = records.zalopayOrders().find((o) => o.embedData.includes(escrowId));
      return order?.callbacks[0]?.body ?? '';
    }
    case 'payos':
      return JSON.stringify(records.payosPayment(orderCodeOf(escrowId))?.webhooks[0]?.body);
  }
}

/** The genuine callback with its amount raised by 1,000 VND, the signature left as it was. */
function tampered(rail: Rail, callback: string): string {
  switch (rail) {
    case 'vnpay': {
      const params = new URLSearchParams(callback.slice(1));
      params.set('vnp_Amount', String(Number(params.get('vnp_Amount')) + 100_000));
      return `?${params.toString()}`;
    }
    case 'momo': {
      const body = JSON.parse(callback);
      return JSON.stringify({ ...body, amount: body.amount + 1_000 });
    }
    case 'zalopay': {
      const body = JSON.parse(callback);
      const data = JSON.parse(body.data);
      return JSON.stringify({
        ...body,
        data: JSON.stringify({ ...data, amount: data.amount + 1_000 }),
      });
    }
    case 'payos': {
      const body = JSON.parse(callback);
      return JSON.stringify({ ...body, data: { ...body.data, amount: body.data.amount + 1_000 } });
    }
  }
}

const ack = (rail: Rail, outcome: Parameters<PaymentProvider['acknowledge']>[0]) =>
  api.h.stack.providers.find((p) => p.name === rail)?.acknowledge(outcome);

describe.each(['vnpay', 'momo', 'zalopay', 'payos'] as const)('the %s rail', (rail) => {
  it('create, pay on its page, its signed callback funds; ship, deliver, accept, paid out', async () => {
    const escrow = await create(rail);
    await api.h.fund(escrow);
    const key = api.platform.apiKey;
    expect(
      (await post(`/v1/escrows/${escrow.id}/ship`, key, { carrier: 'GHN', trackingNumber: 'T1' }))
        .status,
    ).toBe(200);
    expect((await post(`/v1/escrows/${escrow.id}/deliver`, key)).status).toBe(200);
    expect((await post(`/v1/escrows/${escrow.id}/accept`, key)).body).toMatchObject({
      status: 'released',
    });
    await eventually(async () =>
      expect((await get(`/v1/escrows/${escrow.id}`)).body).toMatchObject({
        paymentMethod: rail,
        payout: { status: 'paid' },
      }),
    );
  });

  it('cancelled after funding: refunded in full (payOS: paid out to the buyer’s account)', async () => {
    const escrow = await create(rail);
    await api.h.fund(escrow);
    await post(`/v1/escrows/${escrow.id}/cancel`, api.h.opsKey, { reason: 'fraud check' });
    await eventually(async () =>
      expect((await get(`/v1/escrows/${escrow.id}`)).body).toMatchObject({
        status: 'refunded',
        money: { refunded: 1_500_000, held: 0 },
        refunds: [{ status: 'succeeded' }],
      }),
    );
    const paidOut = api.h.stack.sandbox.records
      .payouts()
      .filter((p) => p.idempotencyKey.startsWith(`escrow:${escrow.id}:refund:`));
    expect(paidOut.map((p) => [p.status, p.amount, p.toAccountNumber])).toEqual(
      rail === 'payos' ? [['succeeded', '1500000', buyerAccount.accountNumber]] : [],
    );
  });

  it('a forged callback changes nothing and gets the rail’s answer', async () => {
    const escrow = await create(rail);
    const before = await api.h.snapshot(escrow.id);
    const expected = api.h.stack.providers
      .find((p) => p.name === rail)
      ?.acknowledge('invalid_signature');
    const response = await callback(rail, forgedCallback(rail, escrow.id));
    expect(response.status).toBe(expected?.status);
    expect(await response.json()).toEqual(expected?.body);
    expect(await api.h.snapshot(escrow.id)).toEqual(before);
  });

  it('a split dispute refunds the buyer part on the rail (payOS: as a payout)', async () => {
    const escrow = await create(rail);
    await api.h.fund(escrow);
    const key = api.platform.apiKey;
    await post(`/v1/escrows/${escrow.id}/ship`, key, { carrier: 'GHN', trackingNumber: 'T2' });
    await post(`/v1/escrows/${escrow.id}/disputes`, key, { reason: 'damaged', details: '' });
    const resolved = await post(`/v1/escrows/${escrow.id}/disputes/resolve`, api.h.opsKey, {
      outcome: 'split',
      sellerAmount: 1_000_000,
    });
    expect(resolved.status).toBe(200);
    await eventually(async () =>
      expect((await get(`/v1/escrows/${escrow.id}`)).body).toMatchObject({
        status: 'split',
        payout: { status: 'paid' },
        refunds: [{ amount: 500_000, status: 'succeeded' }],
      }),
    );
  });

  it('a duplicate callback funds once; the genuine one tampered, and one for an unknown order, change nothing', async () => {
    await arm({ operation: 'ipn', kind: 'duplicate_callback' });
    const escrow = await create(rail);
    await api.h.fund(escrow);
    const genuine = deliveredCallback(rail, escrow.id);
    expect(genuine.length).toBeGreaterThan(2);
    const funded = await api.h.snapshot(escrow.id);
    const again = await callback(rail, genuine);
    expect({ status: again.status, body: await again.text() }).toMatchObject({
      status: ack(rail, 'already_confirmed')?.status,
    });
    const forged = await callback(rail, tampered(rail, genuine));
    expect(forged.status).toBe(ack(rail, 'invalid_signature')?.status);
    expect(await api.h.snapshot(escrow.id)).toEqual(funded);
    expect((await get(`/v1/escrows/${escrow.id}`)).body.money).toMatchObject({
      funded: 1_500_000,
      refunded: 0,
    });

    // A genuine, signed callback for an order this engine never made: the rail pays a link
    // made straight through the adapter, and its sandbox calls our API back.
    const provider = api.h.stack.providers.find((p) => p.name === rail) as PaymentProvider;
    const unknown = `esc_unknown${Date.now().toString(36)}${rail}`.slice(0, 30);
    const link = await provider.createPayment({
      idempotencyKey: `test:${unknown}`,
      txnRef: unknown,
      amount: 1_500_000n,
      currency: 'VND',
      description: 'Unknown order',
      returnUrl: 'http://127.0.0.1/return',
      expiresAt: new Date(Date.now() + 15 * 60_000),
      clientIp: '127.0.0.1',
    });
    await api.h.stack.pay(link.url);
    await eventually(async () =>
      expect(deliveredCallback(rail, unknown).length).toBeGreaterThan(2),
    );
    const reply = await callback(rail, deliveredCallback(rail, unknown));
    expect(reply.status).toBe(ack(rail, 'order_not_found')?.status);
    const [row] = await api.h.db.sql`select 1 from escrows where id = ${unknown}`;
    expect(row).toBeUndefined();
  });
});

describe('choosing a rail', () => {
  it('payOS cannot refund to the payer: an escrow on it needs the buyer’s account (422 without)', async () => {
    const reply = await post('/v1/escrows', api.platform.apiKey, {
      reference: 'payos-no-account',
      buyerId: 'b1',
      sellerId: 's1',
      amount: 1_500_000,
      currency: 'VND',
      description: 'No refund account',
      payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'A' },
      paymentMethod: 'payos',
    });
    expect(reply.status).toBe(422);
    expect(reply.body.errors).toEqual([
      expect.objectContaining({
        field: 'body.refundDestination',
        message: expect.stringContaining('payos cannot refund to the payer'),
      }),
    ]);
  });

  it('a genuine VNPay callback for a MoMo escrow does not fund it: VNPay hears order not found', async () => {
    const escrow = await create('momo');
    const before = await api.h.snapshot(escrow.id);
    const response = await callback(
      'vnpay',
      vnpayIpn(escrow.id, api.h.stack.vnpayCredentials.hashSecret),
    );
    expect(await response.json()).toEqual({ RspCode: '01', Message: 'Order not found' });
    expect(await api.h.snapshot(escrow.id)).toEqual(before);
  });

  it('without paymentMethod: the first enabled rail (VNPay here)', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey);
    expect(escrow).toMatchObject({ paymentMethod: 'vnpay' });
    expect(escrow.payment.url).toContain('/paymentv2/vpcpay.html');
  });
});
