import { afterAll, beforeAll, expect, it } from 'vitest';
import { signPartyToken } from '../../api/credentials.js';
import { type ApiHarness, escrowBody, startApiHarness } from './harness.js';

let h: ApiHarness;
let platformA: { id: string; apiKey: string };
let platformB: { id: string; apiKey: string };

beforeAll(async () => {
  h = await startApiHarness();
  [platformA, platformB] = await Promise.all([h.createPlatform('A'), h.createPlatform('B')]);
});
afterAll(async () => {
  await h?.stop();
});

const CALLERS = ['A', 'B', 'buyer', 'seller', 'otherToken', 'ops', 'none', 'expired'] as const;
type Caller = (typeof CALLERS)[number];

interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `:id` is an unpaid escrow of platform A, fresh for every cell; `:platform` is A's id. */
  path: string;
  /** A function when the body is known only once the harness runs. */
  body?: unknown;
  expect: Record<Caller, number>;
}

// Columns: platform A (owner), platform B (other tenant), A's buyer and seller tokens for this
// escrow, a buyer token for another escrow of A, ops, no credential, an expired buyer token.
// The escrow is unpaid, so an action the caller may take but the status refuses answers 409.
const row = (
  A: number,
  B: number,
  buyer: number,
  seller: number,
  otherToken: number,
  ops: number,
) =>
  ({ A, B, buyer, seller, otherToken, ops, none: 401, expired: 401 }) satisfies Record<
    Caller,
    number
  >;

const ENDPOINTS: Endpoint[] = [
  {
    method: 'POST',
    path: '/v1/platforms',
    body: { name: 'X' },
    expect: row(403, 403, 403, 403, 403, 201),
  },
  // A platform manages its own rails only (another's are 404); ops any platform's. The
  // credentials are the deployment's VNPay ones, which the sandbox knows: A's escrows still pay.
  {
    method: 'GET',
    path: '/v1/platforms/:platform/rails',
    expect: row(200, 404, 403, 403, 403, 200),
  },
  {
    method: 'PUT',
    path: '/v1/platforms/:platform/rails/vnpay',
    body: () => h.stack.vnpayCredentials,
    expect: row(200, 404, 403, 403, 403, 200),
  },
  {
    method: 'DELETE',
    path: '/v1/platforms/:platform/rails/zalopay',
    expect: row(204, 404, 403, 403, 403, 204),
  },
  {
    method: 'POST',
    path: '/v1/escrows',
    body: escrowBody(),
    expect: row(201, 201, 403, 403, 403, 403),
  },
  { method: 'GET', path: '/v1/escrows', expect: row(200, 200, 403, 403, 403, 200) },
  { method: 'GET', path: '/v1/escrows/:id', expect: row(200, 404, 200, 200, 404, 200) },
  { method: 'GET', path: '/v1/escrows/:id/events', expect: row(200, 404, 200, 200, 404, 200) },
  { method: 'GET', path: '/v1/escrows/:id/ledger', expect: row(200, 404, 403, 403, 404, 200) },
  {
    method: 'POST',
    path: '/v1/escrows/:id/party-tokens',
    body: { role: 'buyer' },
    expect: row(201, 404, 403, 403, 404, 403),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/ship',
    body: { carrier: 'GHN', trackingNumber: 'T1' },
    expect: row(409, 404, 403, 409, 404, 403),
  },
  { method: 'POST', path: '/v1/escrows/:id/deliver', expect: row(409, 404, 403, 403, 404, 409) },
  { method: 'POST', path: '/v1/escrows/:id/accept', expect: row(409, 404, 409, 403, 404, 403) },
  {
    method: 'POST',
    path: '/v1/escrows/:id/extend-inspection',
    expect: row(409, 404, 409, 403, 404, 403),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/cancel',
    body: { reason: 'test' },
    expect: row(200, 404, 403, 403, 404, 200),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/disputes',
    body: { reason: 'damaged', details: '' },
    expect: row(409, 404, 409, 403, 404, 403),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/disputes/respond',
    body: { message: 'no' },
    expect: row(409, 404, 403, 409, 404, 403),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/disputes/resolve',
    body: { outcome: 'refund' },
    expect: row(403, 403, 403, 403, 404, 409),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/payout/retry',
    body: {},
    expect: row(403, 403, 403, 403, 404, 409),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/refund/retry',
    body: {},
    expect: row(403, 403, 403, 403, 404, 409),
  },
  // Dispute messages: the unpaid escrow has no dispute, so a caller that may post gets 409.
  {
    method: 'POST',
    path: '/v1/escrows/:id/disputes/messages',
    body: { text: 'hello' },
    expect: row(409, 404, 409, 409, 404, 409),
  },
  {
    method: 'GET',
    path: '/v1/escrows/:id/disputes/messages',
    expect: row(200, 404, 200, 200, 404, 200),
  },
  {
    method: 'GET',
    path: '/v1/escrows/:id/disputes/files/dfile_unknown',
    expect: row(404, 404, 404, 404, 404, 404),
  },
  {
    method: 'GET',
    path: '/v1/escrows/:id/case-record',
    expect: row(200, 404, 200, 200, 404, 200),
  },
  // Public: the keys that verify case records.
  {
    method: 'GET',
    path: '/.well-known/escrow-signing-keys',
    expect: {
      A: 200,
      B: 200,
      buyer: 200,
      seller: 200,
      otherToken: 200,
      ops: 200,
      none: 200,
      expired: 200,
    },
  },
  { method: 'GET', path: '/v1/ledger/check', expect: row(403, 403, 403, 403, 403, 200) },
  {
    method: 'GET',
    path: '/v1/reconciliation/reports',
    expect: row(403, 403, 403, 403, 403, 200),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints',
    body: { url: 'http://127.0.0.1:9/hooks' },
    expect: row(201, 201, 403, 403, 403, 403),
  },
  // Deliveries are listed per tenant: another platform sees an empty list, never A's.
  {
    method: 'GET',
    path: '/v1/webhook-deliveries?escrowId=:id',
    expect: row(200, 200, 403, 403, 403, 200),
  },
  {
    method: 'POST',
    path: '/v1/webhook-deliveries/whd_unknown/redeliver',
    expect: row(404, 404, 403, 403, 403, 404),
  },
];

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

it('authorization matrix: every endpoint × every kind of caller', async () => {
  const secret = h.stack.apiSettings.tokenSecret;
  const token = (escrowId: string, role: 'buyer' | 'seller', expiresAt: number) =>
    signPartyToken({ platformId: platformA.id, escrowId, role, expiresAt }, secret);
  const inAnHour = Math.floor(Date.now() / 1000) + 3600;
  const other = await h.createEscrow(platformA.apiKey);

  const cells = ENDPOINTS.flatMap((endpoint) => CALLERS.map((caller) => ({ endpoint, caller })));
  const results: string[] = [];
  await inBatches(cells, 8, async ({ endpoint, caller }) => {
    const escrow = await h.createEscrow(platformA.apiKey);
    const credentials: Record<Caller, string | undefined> = {
      A: platformA.apiKey,
      B: platformB.apiKey,
      buyer: token(escrow.id, 'buyer', inAnHour),
      seller: token(escrow.id, 'seller', inAnHour),
      otherToken: token(other.id, 'buyer', inAnHour),
      ops: h.opsKey,
      none: undefined,
      expired: token(escrow.id, 'buyer', Math.floor(Date.now() / 1000) - 1),
    };
    const path = endpoint.path.replace(':id', escrow.id).replace(':platform', platformA.id);
    const reply = await h.call(endpoint.method, path, {
      token: credentials[caller],
      body: typeof endpoint.body === 'function' ? endpoint.body() : endpoint.body,
    });
    const expected = endpoint.expect[caller];
    const problemOk =
      reply.status < 400 || reply.headers.get('content-type')?.includes('application/problem+json');
    results.push(
      `${endpoint.method} ${endpoint.path} as ${caller}: ${reply.status}${
        reply.status === expected && problemOk
          ? ''
          : ` (expected ${expected}) ${reply.text.slice(0, 200)}`
      }`,
    );
  });
  const wrong = results.filter((r) => r.includes('expected'));
  expect(wrong, wrong.join('\n')).toEqual([]);
  expect(results).toHaveLength(ENDPOINTS.length * CALLERS.length);
});
