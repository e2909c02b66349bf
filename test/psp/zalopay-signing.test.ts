import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZalopayProvider } from '../../psp/zalopay/adapter.js';
import { verifyZalopayCallback } from '../../psp/zalopay/callback.js';
import { appTransIdFor, mRefundIdFor, yymmdd } from '../../psp/zalopay/ids.js';
import {
  callbackMac,
  createOrderMac,
  queryMac,
  queryRefundMac,
  redirectChecksum,
  refundMac,
} from '../../psp/zalopay/signing.js';

/**
 * ZaloPay v2 MACs written again here from the specs alone (docs.zalopay.vn/docs/specs/
 * order-create, callback-api, order-query, order-refund, order-query-refund): HMAC-SHA256, hex,
 * over the named fields joined with '|'. Expected values come from this, never from the signer.
 */
const independentMac = (key: string, ...fields: Array<string | number>) =>
  createHmac('sha256', Buffer.from(key, 'utf8'))
    .update(Buffer.from(fields.map(String).join('|'), 'utf8'))
    .digest('hex');

/**
 * The "Data sample" of docs.zalopay.vn/docs/specs/callback-api (same on beta-docs), with its
 * published mac. The key is key2 of ZaloPay's public demo app 2553, as ZaloPay's sample code
 * and docs use it (e.g. the Java GetOrderStatus sample and zalopay-samples quickstarts).
 */
const publishedCallback = {
  key2: 'kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz',
  data: '{"app_id":2553,"app_trans_id":"200904_2553_1598435687208","app_time":1599189392817,"app_user":"demo","amount":10000,"embed_data":"{\\"merchantinfo\\":\\"embeddata123\\",\\"promotioninfo\\":\\"\\"}","item":"[{\\"itemid\\":\\"knb\\",\\"itemname\\":\\"kim nguyen bao\\",\\"itemprice\\":198400,\\"itemquantity\\":1}]","zp_trans_id":200904000000389,"server_time":1599189413498,"channel":38,"merchant_user_id":"7ZMSl3nEg5sOUJzOLSoUFT8xKNQVaLOLXHB--8Eytqc","user_fee_amount":0,"discount_amount":0}',
  mac: 'd8d33baf449b31d7f9b94fa50d7c942c08cd4d83f28fa185557da21acb104f67',
};

describe('published vector', () => {
  it("ZaloPay's documented callback sample verifies with the demo app's key2", () => {
    const { key2, data, mac } = publishedCallback;
    expect(callbackMac(key2, data)).toBe(mac);
    expect(independentMac(key2, data)).toBe(mac);
  });

  it('the adapter accepts its mac and refuses it one byte off', () => {
    const { key2, data, mac } = publishedCallback;
    const body = (m: string, d = data) => JSON.stringify({ data: d, mac: m, type: 1 });
    const verify = (text: string) =>
      verifyZalopayCallback({ method: 'POST', query: {}, body: text }, { appId: '2553', key2 });
    // Signed right, but not one of our orders (no txnRef in embed_data): malformed, not forged.
    expect(verify(body(mac))).toMatchObject({ ok: false, reason: 'malformed' });
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('0') ? '1' : '0'}`;
    expect(verify(body(flipped))).toMatchObject({ ok: false, reason: 'invalid_signature' });
    const tampered = data.replace('"amount":10000', '"amount":1000000');
    expect(verify(body(mac, tampered))).toMatchObject({ ok: false, reason: 'invalid_signature' });
  });
});

describe('computed vectors', () => {
  const key1 = 'test-key1-0123456789abcdef';
  const key2 = 'test-key2-fedcba9876543210';

  it('create: app_id|app_trans_id|app_user|amount|app_time|embed_data|item with key1', () => {
    const order = {
      app_id: 2554,
      app_trans_id: '261202_order-1',
      app_user: 'escrow-engine',
      amount: 150_000,
      app_time: 1_796_179_200_123,
      embed_data: '{"txnRef":"esc_1","redirecturl":"https://shop.example/r?a=1&b=đ"}',
      item: '[]',
    };
    expect(createOrderMac(key1, order)).toBe(
      independentMac(
        key1,
        2554,
        '261202_order-1',
        'escrow-engine',
        150000,
        1796179200123,
        order.embed_data,
        '[]',
      ),
    );
  });

  it('query: app_id|app_trans_id|key1 with key1', () => {
    expect(queryMac(key1, '2554', '261202_x')).toBe(independentMac(key1, 2554, '261202_x', key1));
  });

  it('refund: app_id|zp_trans_id|amount|description|timestamp, fee before description', () => {
    const base = {
      app_id: 2554,
      zp_trans_id: '261202000000007',
      amount: 50_000,
      description: 'Hoàn tiền đơn hàng',
      timestamp: 1_796_179_300_000,
    };
    expect(refundMac(key1, base)).toBe(
      independentMac(key1, 2554, '261202000000007', 50000, 'Hoàn tiền đơn hàng', 1796179300000),
    );
    expect(refundMac(key1, { ...base, refund_fee_amount: 1_000 })).toBe(
      independentMac(
        key1,
        2554,
        '261202000000007',
        50000,
        1000,
        'Hoàn tiền đơn hàng',
        1796179300000,
      ),
    );
  });

  it('query_refund: app_id|m_refund_id|timestamp with key1', () => {
    expect(queryRefundMac(key1, '2554', '261202_2554_abc', 1_796_179_400_000)).toBe(
      independentMac(key1, 2554, '261202_2554_abc', 1796179400000),
    );
  });

  it('redirect: appid|apptransid|pmcid|bankcode|amount|discountamount|status with key2', () => {
    const params = {
      appid: '2554',
      apptransid: '261202_x',
      pmcid: '38',
      bankcode: '',
      amount: '150000',
      discountamount: '0',
      status: '1',
    };
    expect(redirectChecksum(key2, params)).toBe(
      independentMac(key2, 2554, '261202_x', 38, '', 150000, 0, 1),
    );
  });
});

describe('ids', () => {
  it('yymmdd is the date in GMT+7', () => {
    expect(yymmdd(new Date('2026-12-01T16:59:59.999Z'))).toBe('261201');
    expect(yymmdd(new Date('2026-12-01T17:00:00.000Z'))).toBe('261202');
  });

  it('app_trans_id: 40 characters at most, the creation date first, the same for the same call', () => {
    const at = new Date('2026-12-01T17:30:00.123Z');
    const id = appTransIdFor('esc_a-very-long-escrow-id-that-would-not-fit-in-forty', at);
    expect(id.length).toBeLessThanOrEqual(40);
    expect(id).toMatch(/^261202_[0-9a-f]{20}_[0-9a-z]+$/);
    expect(appTransIdFor('esc_a-very-long-escrow-id-that-would-not-fit-in-forty', at)).toBe(id);
    expect(appTransIdFor('esc_other', at)).not.toBe(id);
  });

  it('m_refund_id: yymmdd_appid_ and a digest of the idempotency key', () => {
    const id = mRefundIdFor('2554', 'escrow:esc_1:refund:1', new Date('2026-12-01T18:00:00Z'));
    expect(id).toMatch(/^261202_2554_[0-9a-f]{24}$/);
  });
});

/** What the adapter puts on the wire, checked against the independent MAC over its own fields. */
describe('requests on the wire', () => {
  const key1 = 'wire-key1';
  const received: Array<{ path: string; body: Record<string, unknown> }> = [];
  const replies: Record<string, unknown> = {
    '/v2/create': { return_code: 1, sub_return_code: 1, order_url: 'https://gw.example/o' },
    '/v2/query': { return_code: 3, sub_return_code: 3 },
    '/v2/refund': { return_code: 1, sub_return_code: 1, refund_id: 1 },
    '/v2/query_refund': { return_code: 1, sub_return_code: 1 },
  };
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => {
      text += chunk;
    });
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: JSON.parse(text) });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(replies[request.url ?? ''] ?? {}));
    });
  });
  let baseUrl = '';
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const provider = () =>
    createZalopayProvider({ baseUrl, appId: '2554', key1, key2: 'wire-key2', timeoutMs: 2_000 });
  const last = (path: string) => received.filter((r) => r.path === path).at(-1)?.body ?? {};

  it('create, query, refund and query_refund carry MACs over their own fields', async () => {
    const created = await provider().createPayment({
      idempotencyKey: 'escrow:esc_w:payment',
      txnRef: 'esc_w',
      amount: 120_000n,
      currency: 'VND',
      description: 'Đơn hàng 1',
      returnUrl: 'https://shop.example/return',
      expiresAt: new Date(Date.now() + 20 * 60_000),
      clientIp: '203.0.113.7',
    });
    const c = last('/v2/create');
    expect(c.mac).toBe(
      independentMac(
        key1,
        c.app_id as number,
        c.app_trans_id as string,
        c.app_user as string,
        c.amount as number,
        c.app_time as number,
        c.embed_data as string,
        c.item as string,
      ),
    );
    expect(c).toMatchObject({ app_id: 2554, amount: 120000, item: '[]' });
    expect(c.app_time).toBe(created.createdAt.getTime());
    expect(c.app_trans_id).toBe(appTransIdFor('esc_w', created.createdAt));
    expect(JSON.parse(c.embed_data as string)).toEqual({
      txnRef: 'esc_w',
      redirecturl: 'https://shop.example/return',
    });

    await provider().getTransaction({ txnRef: 'esc_w', transactionDate: created.createdAt });
    const q = last('/v2/query');
    expect(q.mac).toBe(independentMac(key1, 2554, q.app_trans_id as string, key1));

    const refundInput = {
      idempotencyKey: 'escrow:esc_w:refund',
      txnRef: 'esc_w',
      providerTransactionId: '261202000000001',
      transactionDate: created.createdAt,
      amount: 20_000n,
      currency: 'VND',
      full: false,
      reason: 'Hoàn một phần',
    };
    await provider().refund(refundInput);
    const r = last('/v2/refund');
    expect(r.mac).toBe(
      independentMac(
        key1,
        2554,
        r.zp_trans_id as string,
        r.amount as number,
        r.description as string,
        r.timestamp as number,
      ),
    );
    expect(r.m_refund_id).toBe(mRefundIdFor('2554', 'escrow:esc_w:refund', new Date()));

    await provider().getRefund(refundInput);
    const qr = last('/v2/query_refund');
    expect(qr.mac).toBe(
      independentMac(key1, 2554, qr.m_refund_id as string, qr.timestamp as number),
    );
  });
});
