import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMomoProvider } from '../../psp/momo/adapter.js';
import { cancel, capture } from '../../psp/momo/confirm.js';
import { signedFields } from '../../psp/momo/protocol.js';
import { momoSignature, rawSignature } from '../../psp/momo/signing.js';

/**
 * MoMo's signatures written again from its docs alone (developers.momo.vn/v3/docs/payment/api:
 * wallet/onetime for create, its response and the IPN; payment-api/query, /refund, /confirm):
 * HMAC-SHA256(secretKey) over `key=value` pairs, keys a–z, joined with '&', values raw. Here the
 * keys are sorted at run time from the documented field sets, not taken from the adapter.
 */
const independentSign = (secretKey: string, values: Record<string, string | number>) =>
  createHmac('sha256', secretKey)
    .update(
      Object.keys(values)
        .sort()
        .map((key) => `${key}=${values[key]}`)
        .join('&'),
    )
    .digest('hex');

/**
 * MoMo's published sandbox merchant (the keys of the docs' test account and of the official
 * samples, momo-wallet/payment php/PayMoMo). The docs' own example signatures
 * (5d9eae90… for create, 7b9f4ca7… for the IPN) do not come out of these keys nor of the older
 * pair F8BBA842ECF85/K951B6PE…: they were made with keys MoMo does not publish, so no vector
 * could be checked against MoMo's output. The values below are the docs' example messages
 * signed by the hand-typed documented formats.
 */
const docs = {
  partnerCode: 'MOMOT5BZ20231213_TEST',
  accessKey: 'klm05TvNBzhg7h7j',
  secretKey: 'at67qH6mk8w5Y1nAyMoYKMWACiEi2bsa',
};

describe('MoMo signatures', () => {
  it('signs the docs create example as the documented raw string', () => {
    const values = {
      accessKey: docs.accessKey,
      amount: '1000',
      extraData: 'eyJza3VzIjoiIn0=',
      ipnUrl: 'https://example.com/momo_ip',
      orderId: 'Partner_Transaction_ID_1721725424433',
      orderInfo: 'Thank you for your purchase at MoMo_test',
      partnerCode: docs.partnerCode,
      redirectUrl: 'https://momo.vn/',
      requestId: 'Request_ID_1721725424433',
      requestType: 'captureWallet',
    };
    const raw =
      'accessKey=klm05TvNBzhg7h7j&amount=1000&extraData=eyJza3VzIjoiIn0=&ipnUrl=https://example.com/momo_ip' +
      '&orderId=Partner_Transaction_ID_1721725424433&orderInfo=Thank you for your purchase at MoMo_test' +
      '&partnerCode=MOMOT5BZ20231213_TEST&redirectUrl=https://momo.vn/&requestId=Request_ID_1721725424433' +
      '&requestType=captureWallet';
    expect(rawSignature(signedFields.createRequest, values)).toBe(raw);
    expect(momoSignature(signedFields.createRequest, values, docs.secretKey)).toBe(
      'ed42587c0d2ece88c669a7fbb34918d24cea06fe6466202103a1735b0f30863a',
    );
  });

  it('verifies the docs IPN example signed by the documented format, and refuses it altered', () => {
    const ipn = {
      orderType: 'momo_wallet',
      amount: 1000,
      partnerCode: docs.partnerCode,
      orderId: 'Partner_Transaction_ID_1721720620078',
      extraData: 'eyJza3VzIjoiIn0=',
      transId: 4088878653,
      responseTime: 1721720663942,
      resultCode: 0,
      message: 'Successful.',
      payType: 'qr',
      requestId: 'Request_ID_1721720620078',
      orderInfo: 'Thank you for your purchase at MoMo_test',
    };
    const signature = 'b1aa00f5f06a7164737336471d925e0ad63ce7b606322d454cd176b0a45723eb';
    expect(independentSign(docs.secretKey, { ...ipn, accessKey: docs.accessKey })).toBe(signature);
    const provider = createMomoProvider({ ...docs, ipnUrl: 'https://example.com/momo_ip' });
    const verify = (body: object) =>
      provider.verifyCallback({ method: 'POST', query: {}, body: JSON.stringify(body) });
    expect(verify({ ...ipn, signature })).toMatchObject({
      ok: true,
      event: {
        txnRef: ipn.orderId,
        providerTransactionId: '4088878653',
        amount: 1000n,
        status: 'succeeded',
        paidAt: new Date(1721720663942),
      },
    });
    expect(verify({ ...ipn, amount: 100000, signature })).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
    });
    expect(verify({ ...ipn, signature: signature.toUpperCase() })).toMatchObject({ ok: true });
    expect(verify(ipn)).toMatchObject({ ok: false, reason: 'invalid_signature' });
  });

  it('uses the documented fields of every message, in a–z order', () => {
    const documented = {
      createResponse:
        'accessKey amount orderId partnerCode payUrl requestId responseTime resultCode',
      result:
        'accessKey amount extraData message orderId orderInfo orderType partnerCode payType requestId responseTime resultCode transId',
      query: 'accessKey orderId partnerCode requestId',
      refund: 'accessKey amount description orderId partnerCode requestId transId',
      confirm: 'accessKey amount description orderId partnerCode requestId requestType',
    };
    for (const [message, fields] of Object.entries(documented)) {
      const keys = fields.split(' ');
      expect(signedFields[message as keyof typeof documented]).toEqual([...keys].sort());
    }
  });
});

/** A stand-in gateway that keeps what the adapter sends and answers "unknown error". */
describe('requests the adapter sends', () => {
  const received: Array<{ path: string; body: Record<string, string | number | boolean> }> = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => {
      text += chunk;
    });
    request.on('end', () => {
      received.push({ path: request.url ?? '', body: JSON.parse(text) });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ resultCode: 99, message: 'stand-in' }));
    });
  });
  let baseUrl = '';
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const credentials = {
    partnerCode: 'MOMOTEST01',
    accessKey: 'ak-test',
    secretKey: 'sk-test-0123456789',
  };

  it('signs create, query, refund and confirm bodies as documented', async () => {
    const config = { ...credentials, baseUrl, ipnUrl: 'http://127.0.0.1:9/v1/psp/momo/callback' };
    const provider = createMomoProvider(config);
    const calls = [
      provider.createPayment({
        idempotencyKey: 'escrow:o-1:payment',
        txnRef: 'o-1',
        amount: 150_000n,
        currency: 'VND',
        description: 'Đơn hàng 1',
        returnUrl: 'https://shop.example/return',
        expiresAt: new Date(Date.now() + 15 * 60_000),
        clientIp: '203.0.113.7',
      }),
      provider.getTransaction({ txnRef: 'o-1', transactionDate: new Date() }),
      provider.refund({
        idempotencyKey: 'escrow:o-1:refund:1',
        txnRef: 'o-1',
        providerTransactionId: '14000001',
        transactionDate: new Date(),
        amount: 50_000n,
        currency: 'VND',
        full: false,
        reason: 'Partial refund',
      }),
      capture(
        { ...config, timeoutMs: 5_000, lang: 'vi' },
        {
          idempotencyKey: 'escrow:o-1:capture',
          txnRef: 'o-1',
          amount: 150_000n,
          description: 'Release',
        },
      ),
    ];
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: 'provider_error' });
    await expect(
      cancel(
        { ...config, timeoutMs: 5_000, lang: 'vi' },
        {
          idempotencyKey: 'escrow:o-1:cancel',
          txnRef: 'o-1',
          amount: 150_000n,
          description: 'Void',
        },
      ),
    ).rejects.toMatchObject({ code: 'provider_error' });

    const documented: Record<string, string[]> = {
      '/v2/gateway/api/create':
        'amount extraData ipnUrl orderId orderInfo partnerCode redirectUrl requestId requestType'.split(
          ' ',
        ),
      '/v2/gateway/api/query': 'orderId partnerCode requestId'.split(' '),
      '/v2/gateway/api/refund': 'amount description orderId partnerCode requestId transId'.split(
        ' ',
      ),
      '/v2/gateway/api/confirm':
        'amount description orderId partnerCode requestId requestType'.split(' '),
    };
    expect(received.map((r) => r.path)).toEqual([
      '/v2/gateway/api/create',
      '/v2/gateway/api/query',
      '/v2/gateway/api/refund',
      '/v2/gateway/api/confirm',
      '/v2/gateway/api/confirm',
    ]);
    for (const { path, body } of received) {
      const values: Record<string, string | number> = { accessKey: credentials.accessKey };
      for (const key of documented[path] ?? []) values[key] = body[key] as string | number;
      expect(body.signature, path).toBe(independentSign(credentials.secretKey, values));
      expect(body.partnerCode).toBe(credentials.partnerCode);
    }
    const [create, , refund, captured, cancelled] = received.map((r) => r.body);
    expect(create).toMatchObject({
      orderId: 'o-1',
      amount: 150000,
      requestType: 'captureWallet',
      autoCapture: true,
    });
    expect(refund).toMatchObject({ amount: 50000, transId: 14000001 });
    expect(refund?.orderId).not.toBe('o-1');
    expect(captured).toMatchObject({ requestType: 'capture', amount: 150000 });
    expect(cancelled).toMatchObject({ requestType: 'cancel' });
  });
});
