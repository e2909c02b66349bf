import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVnpayProvider } from '../../psp/vnpay/adapter.js';
import { formatVnpDate, parseVnpDate } from '../../psp/vnpay/dates.js';
import { toOrderInfo } from '../../psp/vnpay/fields.js';
import { buildPaymentUrl } from '../../psp/vnpay/payment-url.js';
import { refundRequestFields } from '../../psp/vnpay/protocol.js';
import {
  canonicalQuery,
  checksum,
  signedQueryString,
  verifyQuery,
} from '../../psp/vnpay/signing.js';

const secret = 'KNOWNANSWERSECRET0123456789';
const hmac = (data: string) => createHmac('sha512', secret).update(data, 'utf8').digest('hex');

describe('VNPay 2.1.0 signing', () => {
  it('signs a payment URL exactly as the documented algorithm does by hand', () => {
    // 10:30:00 and 10:45:00 in GMT+7.
    const now = new Date('2024-01-01T03:30:00.400Z');
    const { url, createdAt, expiresAt } = buildPaymentUrl(
      { baseUrl: 'https://pay.example/', tmnCode: 'TESTTMN1', hashSecret: secret },
      {
        idempotencyKey: 'escrow:42:payment',
        txnRef: 'order-42',
        amount: 10_000n,
        currency: 'VND',
        description: 'Thanh toán đơn hàng 42',
        returnUrl: 'https://shop.example/return?x=1',
        expiresAt: new Date('2024-01-01T03:45:00Z'),
        clientIp: '127.0.0.1',
      },
      now,
    );
    // Written out by hand: sorted keys, form-urlencoded, VND × 100, dates in GMT+7.
    const signed =
      'vnp_Amount=1000000&vnp_Command=pay&vnp_CreateDate=20240101103000&vnp_CurrCode=VND' +
      '&vnp_ExpireDate=20240101104500&vnp_IpAddr=127.0.0.1&vnp_Locale=vn' +
      '&vnp_OrderInfo=Thanh+toan+don+hang+42&vnp_OrderType=other' +
      '&vnp_ReturnUrl=https%3A%2F%2Fshop.example%2Freturn%3Fx%3D1&vnp_TmnCode=TESTTMN1' +
      '&vnp_TxnRef=order-42&vnp_Version=2.1.0';
    expect(url).toBe(
      `https://pay.example/paymentv2/vpcpay.html?${signed}&vnp_SecureHash=${hmac(signed)}`,
    );
    expect(createdAt).toEqual(new Date('2024-01-01T03:30:00Z'));
    expect(expiresAt).toEqual(new Date('2024-01-01T03:45:00Z'));
  });

  it('drops empty values and the hash fields before signing', () => {
    const params = {
      vnp_TxnRef: 'a b',
      vnp_BankCode: '',
      vnp_Amount: '500000',
      vnp_SecureHashType: 'HmacSHA512',
      vnp_SecureHash: 'ffff',
    };
    expect(canonicalQuery(params)).toBe('vnp_Amount=500000&vnp_TxnRef=a+b');
    const query = Object.fromEntries(new URLSearchParams(signedQueryString(params, secret)));
    expect(query.vnp_SecureHash).toBe(hmac('vnp_Amount=500000&vnp_TxnRef=a+b'));
    expect(verifyQuery(query, secret)).toBe(true);
    expect(
      verifyQuery({ ...query, vnp_SecureHash: query.vnp_SecureHash?.toUpperCase() ?? '' }, secret),
    ).toBe(true);
    expect(verifyQuery({ ...query, vnp_Amount: '500100' }, secret)).toBe(false);
  });

  it('computes the refund checksum over the pipe-joined fields in the documented order', () => {
    const values = {
      vnp_RequestId: 'req1',
      vnp_Version: '2.1.0',
      vnp_Command: 'refund',
      vnp_TmnCode: 'TESTTMN1',
      vnp_TransactionType: '03',
      vnp_TxnRef: 'order-42',
      vnp_Amount: '500000',
      vnp_TransactionNo: '14000001',
      vnp_TransactionDate: '20240101103000',
      vnp_CreateBy: 'escrow-engine',
      vnp_CreateDate: '20240102090000',
      vnp_IpAddr: '127.0.0.1',
      vnp_OrderInfo: 'Partial refund',
    };
    expect(checksum(refundRequestFields, values, secret)).toBe(
      hmac(
        'req1|2.1.0|refund|TESTTMN1|03|order-42|500000|14000001|20240101103000|escrow-engine|20240102090000|127.0.0.1|Partial refund',
      ),
    );
  });
});

describe('VNPay fields', () => {
  it('formats and parses dates in GMT+7 and refuses impossible ones', () => {
    expect(formatVnpDate(new Date('2023-12-31T17:00:00Z'))).toBe('20240101000000');
    expect(parseVnpDate('20240101000000')).toEqual(new Date('2023-12-31T17:00:00Z'));
    expect(parseVnpDate('20240231000000')).toBeUndefined();
    expect(parseVnpDate('2024-01-01')).toBeUndefined();
  });

  it('writes order info without diacritics or characters encoders disagree on', () => {
    expect(toOrderInfo('Hoàn tiền đơn #7 (giao trễ)!')).toBe('Hoan tien don #7 giao tre');
    expect(toOrderInfo('   ')).toBe('Payment');
  });
});

describe('VNPay callback verification', () => {
  const provider = createVnpayProvider({
    baseUrl: 'http://127.0.0.1:9',
    tmnCode: 'TESTTMN1',
    hashSecret: secret,
    timeoutMs: 1_000,
  });
  const ipn = {
    vnp_Amount: '10000000',
    vnp_BankCode: 'NCB',
    vnp_OrderInfo: 'Thanh toan',
    vnp_PayDate: '20240101103512',
    vnp_ResponseCode: '00',
    vnp_TmnCode: 'TESTTMN1',
    vnp_TransactionNo: '14000001',
    vnp_TransactionStatus: '00',
    vnp_TxnRef: 'order-42',
  };
  const signedIpn = Object.fromEntries(new URLSearchParams(signedQueryString(ipn, secret)));

  it('accepts a correctly signed IPN and reads it', () => {
    expect(provider.verifyCallback({ method: 'GET', query: signedIpn })).toEqual({
      ok: true,
      event: {
        txnRef: 'order-42',
        providerTransactionId: '14000001',
        amount: 100_000n,
        currency: 'VND',
        status: 'succeeded',
        paidAt: new Date('2024-01-01T03:35:12Z'),
        raw: signedIpn,
      },
    });
  });

  it('rejects tampered, unsigned and foreign-signed callbacks', () => {
    const tampered = { ...signedIpn, vnp_Amount: '100000000' };
    expect(provider.verifyCallback({ method: 'GET', query: tampered })).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
    });
    const { vnp_SecureHash: _, ...unsigned } = signedIpn;
    expect(provider.verifyCallback({ method: 'GET', query: unsigned })).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
    });
    const foreign = Object.fromEntries(new URLSearchParams(signedQueryString(ipn, 'other-secret')));
    expect(provider.verifyCallback({ method: 'GET', query: foreign })).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
    });
  });

  it('calls a signed but unusable callback malformed', () => {
    const bad = (params: Record<string, string>) =>
      provider.verifyCallback({
        method: 'GET',
        query: Object.fromEntries(new URLSearchParams(signedQueryString(params, secret))),
      });
    expect(bad({ ...ipn, vnp_Amount: '1050' })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(bad({ ...ipn, vnp_TmnCode: 'OTHER' })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(bad({ ...ipn, vnp_PayDate: 'yesterday' })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('reads a POSTed form body too', () => {
    const body = signedQueryString(
      { ...ipn, vnp_ResponseCode: '24', vnp_TransactionStatus: '02' },
      secret,
    );
    expect(provider.verifyCallback({ method: 'POST', query: {}, body })).toMatchObject({
      ok: true,
      event: { status: 'failed' },
    });
  });

  it('acknowledges in VNPay RspCode JSON', () => {
    expect(provider.acknowledge('confirmed')).toEqual({
      status: 200,
      body: { RspCode: '00', Message: 'Confirm Success' },
      contentType: 'application/json',
    });
    expect(provider.acknowledge('already_confirmed').body).toMatchObject({ RspCode: '02' });
    expect(provider.acknowledge('order_not_found').body).toMatchObject({ RspCode: '01' });
    expect(provider.acknowledge('invalid_amount').body).toMatchObject({ RspCode: '04' });
    expect(provider.acknowledge('invalid_signature').body).toMatchObject({ RspCode: '97' });
    expect(provider.acknowledge('error').body).toMatchObject({ RspCode: '99' });
  });
});
