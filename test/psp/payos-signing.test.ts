import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createPayosPayoutProvider } from '../../psp/payos/payouts.js';
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
