import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  bodySignature,
  canonicalBody,
  verifyBodySignature,
} from '../../psp/payos/body-signature.js';
import { createPayosProvider, orderCodeOf } from '../../psp/payos/collection.js';
import { createPayosPayoutProvider } from '../../psp/payos/payouts.js';
import {
  bodyText,
  hmacHex,
  paymentRequestText,
  sameSignature,
} from '../../sandbox/payos/body-signing.js';
import {
  canonicalPayosData,
  payosSignature,
  verifyPayosSignature,
} from '../../sandbox/payos/signing.js';
import { payosPayout, usePspFixture } from './harness.js';

/**
 * payOS's header signature (§4C) written here again from the protocol note alone, by another
 * route (a hand-rolled sorted JSON writer), so neither the sandbox's signer nor the SDK's can
 * pass by agreeing with itself.
 */
function independentCanonical(data: Record<string, unknown>): string {
  const json = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(json).join(',')}]`;
    if (value !== null && typeof value === 'object') {
      const entries = Object.keys(value)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${json((value as Record<string, unknown>)[key])}`);
      return `{${entries.join(',')}}`;
    }
    return JSON.stringify(value);
  };
  const text = (value: unknown) =>
    value === null || value === undefined
      ? ''
      : typeof value === 'object'
        ? json(value)
        : `${value}`;
  return Object.keys(data)
    .sort()
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(text(data[key]))}`)
    .join('&');
}

const independentSignature = (key: string, data: Record<string, unknown>) =>
  createHmac('sha256', key).update(independentCanonical(data)).digest('hex');

/** The `header` cases of payOS's Python SDK tests (tests/_crypto/testCases.json), key as there. */
const vectorKey = 'test_checksum_key';
const vectors: Array<{ name: string; data: Record<string, unknown>; signature: string }> = [
  {
    name: 'create single payout',
    data: {
      referenceId: 'referenceId',
      amount: 2000,
      description: 'payout',
      toBin: '970422',
      toAccountNumber: '0123456789',
      category: ['salary', 'hoa'],
    },
    signature: '1bb7686b766bb5d164227a7d4d2e4d4ad241e4a7a91f61c75674c0af9cf90fca',
  },
  {
    name: 'create single payout with no category',
    data: {
      referenceId: 'referenceId',
      amount: 2000,
      description: 'payout',
      toBin: '970422',
      toAccountNumber: '0123456789',
      category: [],
    },
    signature: '40af04e4b404ef9ad67d034c2d8b4c158c9aad965afe87ab37d456526a949abb',
  },
  {
    name: 'create batch payout with 1 payout',
    data: {
      referenceId: 'referenceId',
      category: ['salary'],
      validateDestination: true,
      payouts: [
        {
          referenceId: 'referenceId',
          amount: 2000,
          description: 'batch payout',
          toBin: '970422',
          toAccountNumber: '0123456789',
        },
      ],
    },
    signature: '4743e26db6a79007664773a058c4de63e4c246a4264157a17e10793007e6112f',
  },
  {
    name: 'get payout with single failed transaction',
    data: {
      id: 'batchId',
      referenceId: 'referenceId',
      transactions: [
        {
          id: 'batchTxnId',
          referenceId: 'referenceId',
          amount: 2000,
          description: 'batch payout',
          toBin: '970422',
          toAccountNumber: '0123456789',
          toAccountName: 'NGUYEN VAN A',
          reference: null,
          transactionDatetime: null,
          errorMessage: 'error message',
          errorCode: 'error code',
          state: 'FAILED',
        },
      ],
      category: null,
      approvalState: 'FAILED',
      createdAt: '2025-12-12T09:00:00+07:00',
    },
    signature: '55ae218e7ad03a3a70067111cbe82e561be8994df037a990e56d20cca88c252e',
  },
  {
    name: 'get balance',
    data: {
      accountNumber: '0123456789',
      accountName: 'NGUYEN VAN A',
      balance: '5000000',
      currency: 'VND',
    },
    signature: 'f08a586dd8b60fc704a9901d902dd572077d7a35b5499ec259ff67cfdf8477b5',
  },
  {
    name: 'header type empty',
    data: {},
    signature: 'd9dd60ea06e1ee2dc960267c7a798f0c70307a4783ac0460d015772412c37938',
  },
];

describe('payOS header signature (§4C): the published vectors', () => {
  it.each(vectors)('$name: the independent implementation', ({ data, signature }) => {
    expect(independentSignature(vectorKey, data)).toBe(signature);
  });

  it.each(vectors)('$name: the sandbox signs and verifies it', ({ data, signature }) => {
    expect(payosSignature(vectorKey, data)).toBe(signature);
    expect(verifyPayosSignature(vectorKey, data, signature)).toBe(true);
    expect(verifyPayosSignature(vectorKey, data, signature.toUpperCase())).toBe(true);
    expect(verifyPayosSignature('another key', data, signature)).toBe(false);
    expect(verifyPayosSignature(vectorKey, { ...data, extra: 1 }, signature)).toBe(false);
  });

  it('builds the canonical strings the protocol note derived', () => {
    const [single, , batch] = vectors;
    const expected = [
      'amount=2000&category=%5B%22salary%22%2C%22hoa%22%5D&description=payout&referenceId=referenceId&toAccountNumber=0123456789&toBin=970422',
      'category=%5B%22salary%22%5D&payouts=%5B%7B%22amount%22%3A2000%2C%22description%22%3A%22batch%20payout%22%2C%22referenceId%22%3A%22referenceId%22%2C%22toAccountNumber%22%3A%220123456789%22%2C%22toBin%22%3A%22970422%22%7D%5D&referenceId=referenceId&validateDestination=true',
    ];
    for (const [index, vector] of [single, batch].entries()) {
      expect(canonicalPayosData(vector?.data ?? {})).toBe(expected[index]);
      expect(independentCanonical(vector?.data ?? {})).toBe(expected[index]);
    }
  });
});

interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A stand-in for payOS that keeps what it was sent and answers as payOS would, signed. */
async function capturingPayos(answer: (body: Record<string, unknown>) => Record<string, unknown>) {
  const captured: Captured[] = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    captured.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body,
    });
    const data = answer(JSON.parse(body) as Record<string, unknown>);
    response.writeHead(200, {
      'content-type': 'application/json',
      'x-signature': independentSignature(payosPayout.checksumKey, data),
    });
    response.end(JSON.stringify({ code: '00', desc: 'success', data }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    captured,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('what the adapter sends', () => {
  it('signs the payout request so the independent implementation and the sandbox agree', async () => {
    const payos = await capturingPayos((request) => ({
      id: 'payout-1',
      referenceId: request.referenceId,
      transactions: [
        {
          id: 'txn-1',
          referenceId: request.referenceId,
          amount: request.amount,
          description: request.description,
          toBin: request.toBin,
          toAccountNumber: request.toAccountNumber,
          toAccountName: 'NGUYEN VAN A',
          reference: 'FT1',
          transactionDatetime: '2025-12-12T09:00:05+07:00',
          errorMessage: null,
          errorCode: null,
          state: 'SUCCEEDED',
        },
      ],
      category: null,
      approvalState: 'COMPLETED',
      createdAt: '2025-12-12T09:00:00+07:00',
    }));
    try {
      const adapter = createPayosPayoutProvider({
        baseUrl: payos.url,
        ...payosPayout,
        timeoutMs: 5_000,
      });
      const key = 'escrow:esc_0123456789abcdefabcd:payout:1';
      const result = await adapter.payout({
        idempotencyKey: key,
        amount: 1_470_000n,
        currency: 'VND',
        destination: { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'NGUYEN VAN A' },
        description: 'Escrow esc_0123456789abcdefabcd (order-42) <paid> & done!',
      });
      // Accepted, so the adapter verified an answer signed by the independent implementation.
      expect(result).toEqual({ status: 'succeeded', payoutId: 'payout-1' });

      expect(payos.captured).toHaveLength(1);
      const [sent] = payos.captured;
      expect(sent).toMatchObject({ method: 'POST', url: '/v1/payouts/' });
      expect(sent?.headers).toMatchObject({
        'x-client-id': payosPayout.clientId,
        'x-api-key': payosPayout.apiKey,
        'x-idempotency-key': key,
      });
      const body = JSON.parse(sent?.body ?? '') as Record<string, unknown>;
      expect(body).toEqual({
        referenceId: key,
        amount: 1_470_000,
        description: 'Escrow esc_0123456789abcdefabcd order-42 paid done',
        toBin: '970436',
        toAccountNumber: '0123456789',
      });
      const signature = String(sent?.headers['x-signature']);
      expect(signature).toBe(independentSignature(payosPayout.checksumKey, body));
      expect(verifyPayosSignature(payosPayout.checksumKey, body, signature)).toBe(true);
    } finally {
      await payos.stop();
    }
  });
});

describe("the sandbox's answers", () => {
  const psp = usePspFixture();

  it('carry an x-signature over data that the independent implementation accepts', async () => {
    const made = await psp.payouts.payout({
      idempotencyKey: 'escrow:esc_signing:payout:1',
      amount: 50_000n,
      currency: 'VND',
      destination: { bankCode: '970422', accountNumber: '0123456789', accountName: 'A' },
      description: 'signed answers',
    });
    const response = await fetch(
      `${psp.sandbox.url}/v1/payouts?referenceId=${encodeURIComponent('escrow:esc_signing:payout:1')}`,
      { headers: { 'x-client-id': payosPayout.clientId, 'x-api-key': payosPayout.apiKey } },
    );
    const envelope = (await response.json()) as { code: string; data: Record<string, unknown> };
    expect(envelope).toMatchObject({ code: '00', data: { payouts: [{ id: made.payoutId }] } });
    expect(response.headers.get('x-signature')).toBe(
      independentSignature(payosPayout.checksumKey, envelope.data),
    );
  });
});

// ——— Collection (payment links and webhooks): §4A and §4B ———

/** §4A from the protocol note: the five fields, fixed order, values raw. */
const independentPaymentRequestText = (body: Record<string, unknown>) =>
  ['amount', 'cancelUrl', 'description', 'orderCode', 'returnUrl']
    .map((key) => `${key}=${body[key]}`)
    .join('&');

/**
 * §4B from the protocol note by another route than the adapter's and the sandbox's: an
 * insertion sort on code units and a hand-written JSON writer for arrays (keys sorted one
 * level deep, deeper values as JSON.stringify leaves them).
 */
function independentBodyText(data: Record<string, unknown>): string {
  const keys: string[] = [];
  for (const key of Object.keys(data)) {
    let at = keys.length;
    while (at > 0 && (keys[at - 1] as string) > key) at -= 1;
    keys.splice(at, 0, key);
  }
  const element = (value: unknown): string => {
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    const record = value as Record<string, unknown>;
    const inner = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${JSON.stringify(record[key])}`);
    return `{${inner.join(',')}}`;
  };
  const text = (value: unknown): string => {
    if (value === null || value === 'null' || value === 'undefined') return '';
    if (Array.isArray(value)) return `[${value.map(element).join(',')}]`;
    return `${value}`;
  };
  return keys
    .filter((key) => data[key] !== undefined)
    .map((key) => `${key}=${text(data[key])}`)
    .join('&');
}

const hmac = (key: string, text: string) => createHmac('sha256', key).update(text).digest('hex');

/**
 * V0: the webhook sample of payOS's documentation, "Kiểm tra dữ liệu với signature"
 * (https://payos.vn/docs/tich-hop-webhook/kiem-tra-du-lieu-voi-signature/), with its key.
 */
const v0 = {
  key: '1a54716c8f0efb2744fb28b6e38b25da7f67a925d98bc1c18bd8faaecadd7675',
  data: {
    orderCode: 123,
    amount: 3000,
    description: 'VQRIO123',
    accountNumber: '12345678',
    reference: 'TF230204212323',
    transactionDateTime: '2023-02-04 18:25:00',
    currency: 'VND',
    paymentLinkId: '124c33293c43417ab7879e14c8d9eb18',
    code: '00',
    desc: 'Thành công',
    counterAccountBankId: '',
    counterAccountBankName: '',
    counterAccountName: '',
    counterAccountNumber: '',
    virtualAccountName: '',
    virtualAccountNumber: '',
  },
  signature: '412e915d2871504ed31be63c8f62a149a4410d34c4c42affc9006ef9917eaa03',
  canonical:
    'accountNumber=12345678&amount=3000&code=00&counterAccountBankId=&counterAccountBankName=&counterAccountName=&counterAccountNumber=&currency=VND&desc=Thành công&description=VQRIO123&orderCode=123&paymentLinkId=124c33293c43417ab7879e14c8d9eb18&reference=TF230204212323&transactionDateTime=2023-02-04 18:25:00&virtualAccountName=&virtualAccountNumber=',
};

/** The `create-payment-link` cases of the Python SDK's tests/_crypto/testCases.json. */
const paymentRequestVectors = [
  {
    name: 'create payment link with Vietnamese description',
    body: {
      amount: 2000,
      description: 'Thanh toán đơn hàng',
      orderCode: 0,
      cancelUrl: 'http://localhost',
      returnUrl: 'http://localhost',
    },
    signature: 'd8b7b0e5d19edfe7b1f53dedeb8d1c7c2b62fabd7eb320dbc514c58f13e9e2c5',
  },
  {
    // Only the five fields are signed: buyer*, items and invoice change nothing.
    name: 'create payment link full fields',
    body: {
      amount: 3300,
      description: 'ABC456',
      orderCode: 0,
      cancelUrl: 'http://localhost',
      returnUrl: 'http://localhost',
      buyerName: 'buyer name',
      buyerCompanyName: 'company name',
      buyerTaxCode: '0316794479',
      buyerEmail: 'buyer@email.com',
      buyerPhone: 'buyer not provide phone',
      buyerAddress: 'buyer address',
      items: [
        { name: 'product name', quantity: 1, price: 1000, unit: 'product unit', taxPercentage: 10 },
        { name: 'product name', quantity: 1, price: 2000, unit: 'product unit', taxPercentage: 10 },
      ],
      invoice: { buyerNotGetInvoice: false, taxPercentage: 10 },
      signature: '',
    },
    signature: '189864813370cdf819974dc3f63c3a93a7e7af0a0d10b21344b14e4f7358999b',
  },
];

/** The `body` cases of the same file that a payment link or webhook produces, and V0. */
const paidTransaction = {
  accountNumber: '0123456789',
  amount: 2000,
  counterAccountBankId: '01202001',
  counterAccountBankName: null,
  counterAccountName: 'NGUYEN VAN A',
  counterAccountNumber: '9876543210',
  description: 'TRANSACTION DESCRIPTION',
  reference: 'FT-REFERENCE',
  transactionDateTime: '2025-12-12T09:00:00+07:00',
  virtualAccountName: null,
  virtualAccountNumber: null,
};
const link = {
  id: 'payment-link-id',
  orderCode: 0,
  amount: 2000,
  createdAt: '2025-12-12T09:00:00+07:00',
};
const bodyVectors: Array<{
  name: string;
  key: string;
  data: Record<string, unknown>;
  signature: string;
}> = [
  { name: 'V0: payOS docs webhook', key: v0.key, data: v0.data, signature: v0.signature },
  {
    name: 'webhook',
    key: vectorKey,
    data: {
      accountNumber: '0123456789',
      amount: 20000,
      description: 'thanh toan',
      reference: 'FT-REFERENCE',
      transactionDateTime: '2025-12-12 09:00:00',
      virtualAccountNumber: '',
      counterAccountBankId: '01202001',
      counterAccountBankName: '',
      counterAccountName: 'NGUYEN VAN A',
      counterAccountNumber: '9876543210',
      virtualAccountName: '',
      currency: 'VND',
      orderCode: 0,
      paymentLinkId: 'payment-link-id',
      code: '00',
      desc: 'success',
    },
    signature: '302b3becca1672dff99daafae2965f40e48ea3ca39453e4bf37fbcc26807a0e8',
  },
  {
    name: 'pending payment link',
    key: vectorKey,
    data: {
      ...link,
      amountPaid: 0,
      amountRemaining: 2000,
      status: 'PENDING',
      transactions: [],
      canceledAt: null,
      cancellationReason: null,
    },
    signature: '33093364158b143baa9ecd2e705d9a2a5a5d391a3cab7cb0a371588b3731368f',
  },
  {
    name: 'paid payment link with 1 transaction',
    key: vectorKey,
    data: {
      ...link,
      amountPaid: 2000,
      amountRemaining: 0,
      status: 'PAID',
      transactions: [paidTransaction],
      canceledAt: null,
      cancellationReason: null,
    },
    signature: '6af5e2c9a28256c140169ed624114b43295915d7b6e2fa6278b17a7c43aadefd',
  },
  {
    name: 'paid payment link with many transactions',
    key: vectorKey,
    data: {
      ...link,
      amountPaid: 2000,
      amountRemaining: 0,
      status: 'PAID',
      transactions: [paidTransaction, paidTransaction],
      canceledAt: null,
      cancellationReason: null,
    },
    signature: '04ebbe221724d2b848c3f39b2db3311cc554167f55bd2fe2cb7b86b6bfdeadaa',
  },
  {
    name: 'cancelled payment link',
    key: vectorKey,
    data: {
      ...link,
      amountPaid: 0,
      amountRemaining: 2000,
      status: 'CANCELLED',
      transactions: [],
      canceledAt: '2025-12-12T09:00:00+07:00',
      cancellationReason: 'cancel reason',
    },
    signature: '10c181c89bda5b855327e3e16494b9e8409e6b85a2a90f20177af99f8b12eaa9',
  },
  {
    name: 'body type empty',
    key: vectorKey,
    data: {},
    signature: 'd9dd60ea06e1ee2dc960267c7a798f0c70307a4783ac0460d015772412c37938',
  },
];

describe('payOS payment-link signature (§4A): the published vectors', () => {
  it.each(paymentRequestVectors)('$name: independent and sandbox agree', ({ body, signature }) => {
    expect(hmac(vectorKey, independentPaymentRequestText(body))).toBe(signature);
    expect(hmacHex(vectorKey, paymentRequestText(body))).toBe(signature);
    expect(sameSignature(signature, signature.toUpperCase())).toBe(true);
    expect(sameSignature(signature, hmacHex('another key', paymentRequestText(body)))).toBe(false);
  });

  it('gives the canonical string the protocol note shows', () => {
    const [, full] = paymentRequestVectors;
    expect(independentPaymentRequestText(full?.body ?? {})).toBe(
      'amount=3300&cancelUrl=http://localhost&description=ABC456&orderCode=0&returnUrl=http://localhost',
    );
  });
});

describe('payOS body signature (§4B): the published vectors', () => {
  it.each(bodyVectors)('$name: the independent implementation', ({ key, data, signature }) => {
    expect(hmac(key, independentBodyText(data))).toBe(signature);
  });

  it.each(bodyVectors)('$name: the adapter signs and verifies it', ({ key, data, signature }) => {
    expect(bodySignature(key, data)).toBe(signature);
    expect(verifyBodySignature(key, data, signature)).toBe(true);
    expect(verifyBodySignature(key, data, signature.toUpperCase())).toBe(true);
    expect(verifyBodySignature('another key', data, signature)).toBe(false);
    expect(verifyBodySignature(key, { ...data, extra: 1 }, signature)).toBe(false);
    expect(verifyBodySignature(key, data, signature.slice(0, 63))).toBe(false);
  });

  it.each(bodyVectors)('$name: the sandbox signs it', ({ key, data, signature }) => {
    expect(hmacHex(key, bodyText(data))).toBe(signature);
  });

  it("V0's canonical string is the note's, unencoded", () => {
    expect(canonicalBody(v0.data)).toBe(v0.canonical);
    expect(independentBodyText(v0.data)).toBe(v0.canonical);
    expect(bodyText(v0.data)).toBe(v0.canonical);
  });
});

describe('the adapter on the docs webhook (V0)', () => {
  const adapter = createPayosProvider({
    baseUrl: 'http://127.0.0.1:9',
    clientId: 'c',
    apiKey: 'a',
    checksumKey: v0.key,
  });
  const webhook = (data: Record<string, unknown>, signature = v0.signature) => ({
    method: 'POST',
    query: {},
    body: JSON.stringify({ code: '00', desc: 'success', success: true, data, signature }),
  });

  it('accepts it and reads the payment from the signed data', () => {
    const verification = adapter.verifyCallback(webhook(v0.data));
    expect(verification).toEqual({
      ok: true,
      event: {
        txnRef: '123',
        providerTransactionId: '124c33293c43417ab7879e14c8d9eb18',
        amount: 3000n,
        currency: 'VND',
        status: 'succeeded',
        // 18:25 in Vietnam (UTC+7).
        paidAt: new Date('2023-02-04T11:25:00Z'),
        raw: expect.objectContaining({ orderCode: '123', reference: 'TF230204212323' }),
      },
    });
  });

  it('refuses it with one field changed, or with the signature of another key', () => {
    expect(adapter.verifyCallback(webhook({ ...v0.data, amount: 30000 }))).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
    });
    const other = hmac('another key', independentBodyText(v0.data));
    expect(adapter.verifyCallback(webhook(v0.data, other))).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
    });
  });

  it('reads the outcome from the signed data.code, not the unsigned top level', () => {
    const failed = { ...v0.data, code: '01', desc: 'failed' };
    const signature = hmac(v0.key, independentBodyText(failed));
    const verification = adapter.verifyCallback(webhook(failed, signature));
    expect(verification).toMatchObject({ ok: true, event: { status: 'failed' } });
  });
});

describe('what the collection adapter sends', () => {
  it('signs the create request (§4A) so the independent implementation agrees', async () => {
    const checksumKey = 'capture-checksum-key';
    const payos = await capturingBodyPayos(checksumKey, (request) => ({
      bin: '970422',
      accountNumber: '0123456789',
      accountName: 'A',
      amount: request.amount,
      description: request.description,
      orderCode: request.orderCode,
      currency: 'VND',
      paymentLinkId: 'link-1',
      status: 'PENDING',
      expiredAt: request.expiredAt,
      checkoutUrl: 'https://pay.example/web/link-1',
      qrCode: '000201',
    }));
    try {
      const adapter = createPayosProvider({
        baseUrl: payos.url,
        clientId: 'capture-client',
        apiKey: 'capture-api-key',
        checksumKey,
      });
      const txnRef = 'esc_0123456789abcdefabcd';
      const result = await adapter.createPayment({
        idempotencyKey: `escrow:${txnRef}:payment`,
        txnRef,
        amount: 150_000n,
        currency: 'VND',
        description: 'Thanh toán đơn hàng #42 (escrow)',
        returnUrl: 'https://shop.example/return?x=1',
        expiresAt: new Date(Date.now() + 900_000),
        clientIp: '127.0.0.1',
      });
      // Accepted, so the adapter checked an answer signed by the independent implementation.
      expect(result.url).toBe('https://pay.example/web/link-1');
      const [sent] = payos.captured;
      expect(sent).toMatchObject({ method: 'POST', url: '/v2/payment-requests' });
      expect(sent?.headers).toMatchObject({
        'x-client-id': 'capture-client',
        'x-api-key': 'capture-api-key',
      });
      const body = JSON.parse(sent?.body ?? '') as Record<string, unknown>;
      expect(body).toMatchObject({
        orderCode: orderCodeOf(txnRef),
        amount: 150_000,
        description: 'Thanh toan don hang 42 es',
        returnUrl: 'https://shop.example/return?x=1',
        cancelUrl: 'https://shop.example/return?x=1',
      });
      expect(String(body.description).length).toBeLessThanOrEqual(25);
      expect(body.signature).toBe(hmac(checksumKey, independentPaymentRequestText(body)));
    } finally {
      await payos.stop();
    }
  });

  it('derives orderCode as the first 53 bits of SHA-256(txnRef), never 0', () => {
    for (const txnRef of ['esc_0123456789abcdefabcd', 'a', 'x'.repeat(200)]) {
      const digest = createHash('sha256').update(txnRef).digest('hex');
      const expected = Number(BigInt(`0x${digest.slice(0, 16)}`) >> 11n);
      expect(orderCodeOf(txnRef)).toBe(expected);
      expect(Number.isSafeInteger(expected) && expected > 0).toBe(true);
    }
  });
});

/** A stand-in for payOS's payment API that keeps what it was sent and signs its `data` (§4B). */
async function capturingBodyPayos(
  checksumKey: string,
  answer: (body: Record<string, unknown>) => Record<string, unknown>,
) {
  const captured: Captured[] = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    captured.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body,
    });
    const data = answer(JSON.parse(body) as Record<string, unknown>);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        code: '00',
        desc: 'success',
        data,
        signature: hmac(checksumKey, independentBodyText(data)),
      }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    captured,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
