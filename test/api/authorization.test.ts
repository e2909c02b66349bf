import { afterAll, beforeAll, expect, it } from 'vitest';
import { signPartyToken } from '../../api/credentials.js';
import { eventually } from '../support/eventually.js';
import { type ApiHarness, checkoutBody, escrowBody, startApiHarness } from './harness.js';

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
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * `:id` is an unpaid escrow of platform A, fresh for every cell; `:platform` is A's id;
   * `:endpoint` a webhook endpoint of A, fresh for every cell; `:firstKey` A's first key's id.
   */
  path: string;
  /** Platform A is a new platform for every cell (for routes that change its keys). */
  freshPlatform?: boolean;
  /** A function when the body is known only once the harness runs. */
  body?: unknown;
  /** Fields of the escrow created for each cell (e.g. a milestones escrow). */
  escrow?: Record<string, unknown>;
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

const MILESTONES = {
  release: 'milestones',
  items: [
    { id: 'design', description: 'Design', amount: 500_000 },
    { id: 'build', description: 'Build', amount: 1_000_000 },
  ],
};

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
  {
    method: 'POST',
    path: '/v1/checkouts',
    body: checkoutBody(),
    expect: row(201, 201, 403, 403, 403, 403),
  },
  // `:checkout` is a checkout of platform A: party tokens are for one escrow, never a cart.
  { method: 'GET', path: '/v1/checkouts/:checkout', expect: row(200, 404, 403, 403, 403, 200) },
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
  {
    method: 'POST',
    path: '/v1/escrows/:id/reject',
    body: { reason: 'wrong size' },
    expect: row(409, 404, 409, 403, 404, 403),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/return/ship',
    body: { carrier: 'GHN', trackingNumber: 'R1' },
    expect: row(409, 404, 409, 403, 404, 403),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/return/confirm',
    expect: row(409, 404, 403, 409, 404, 403),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/return/dispute',
    body: { reason: 'not_as_sent', details: '' },
    expect: row(409, 404, 403, 409, 404, 403),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/milestones/deliver',
    escrow: MILESTONES,
    expect: row(409, 404, 403, 409, 404, 403),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/accept',
    body: { items: ['design'] },
    escrow: MILESTONES,
    expect: row(409, 404, 409, 403, 404, 403),
  },
  {
    method: 'POST',
    path: '/v1/escrows/:id/disputes',
    body: { reason: 'damaged', details: '', items: ['design'], amount: 100_000 },
    escrow: MILESTONES,
    expect: row(409, 404, 409, 403, 404, 403),
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
  // Webhook endpoints are the platform's own: another platform's answer 404, ops may not.
  { method: 'GET', path: '/v1/webhook-endpoints', expect: row(200, 200, 403, 403, 403, 403) },
  {
    method: 'GET',
    path: '/v1/webhook-endpoints/:endpoint',
    expect: row(200, 404, 403, 403, 403, 403),
  },
  {
    method: 'PATCH',
    path: '/v1/webhook-endpoints/:endpoint',
    body: { eventTypes: ['escrow.payment_confirmed'] },
    expect: row(200, 404, 403, 403, 403, 403),
  },
  {
    method: 'DELETE',
    path: '/v1/webhook-endpoints/:endpoint',
    expect: row(204, 404, 403, 403, 403, 403),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/:endpoint/disable',
    expect: row(200, 404, 403, 403, 403, 403),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/:endpoint/enable',
    expect: row(200, 404, 403, 403, 403, 403),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/:endpoint/test',
    expect: row(200, 404, 403, 403, 403, 403),
  },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/:endpoint/rotate-secret',
    body: { overlap: 'PT1H' },
    expect: row(200, 404, 403, 403, 403, 403),
  },
  // A platform's keys: its own (another's are 404), ops any platform's.
  {
    method: 'GET',
    path: '/v1/platforms/:platform/keys',
    expect: row(200, 404, 403, 403, 403, 200),
  },
  {
    method: 'POST',
    path: '/v1/platforms/:platform/keys',
    freshPlatform: true,
    expect: row(201, 404, 403, 403, 403, 201),
  },
  // Its only key: never revoked (409) — the caller got past access to be told so.
  {
    method: 'DELETE',
    path: '/v1/platforms/:platform/keys/:firstKey',
    freshPlatform: true,
    expect: row(409, 404, 403, 403, 403, 409),
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
  const checkout = await h.createCheckout(platformA.apiKey);

  const cells = ENDPOINTS.flatMap((endpoint) => CALLERS.map((caller) => ({ endpoint, caller })));
  const results: string[] = [];
  await inBatches(cells, 8, async ({ endpoint, caller }) => {
    const escrow = await h.createEscrow(platformA.apiKey, endpoint.escrow);
    const owner = endpoint.freshPlatform ? await h.createPlatform('Fresh') : platformA;
    const credentials: Record<Caller, string | undefined> = {
      A: owner.apiKey,
      B: platformB.apiKey,
      buyer: token(escrow.id, 'buyer', inAnHour),
      seller: token(escrow.id, 'seller', inAnHour),
      otherToken: token(other.id, 'buyer', inAnHour),
      ops: h.opsKey,
      none: undefined,
      expired: token(escrow.id, 'buyer', Math.floor(Date.now() / 1000) - 1),
    };
    let path = endpoint.path
      .replace(':id', escrow.id)
      .replace(':platform', owner.id)
      .replace(':checkout', checkout.id)
      .replace(':firstKey', `key_${owner.id.slice(4)}`);
    if (path.includes(':endpoint')) {
      const created = await h.call('POST', '/v1/webhook-endpoints', {
        token: platformA.apiKey,
        body: { url: 'http://127.0.0.1:9/hooks' },
      });
      path = path.replace(':endpoint', created.body.id);
    }
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

// The unpaid escrow above answers 409 to every caller the rules let through. Here each item
// route meets an escrow in a state that allows it: the callers the rules name are answered 200,
// every other one is refused as before, and the refused ones change nothing.
type SetUp = 'delivered' | 'rejected' | 'returning' | 'milestone';

interface ItemRoute {
  name: string;
  body?: unknown;
  state: SetUp;
  expect: Record<Caller, number>;
}

const TWO_ITEMS = {
  items: [
    { id: 'lens', description: 'Lens', amount: 500_000 },
    { id: 'body', description: 'Body', amount: 1_000_000 },
  ],
};

const ITEM_ROUTES: ItemRoute[] = [
  {
    name: 'reject',
    body: { reason: 'wrong size', items: ['lens'] },
    state: 'delivered',
    expect: row(200, 404, 200, 403, 404, 403),
  },
  {
    name: 'return/ship',
    body: { carrier: 'GHN', trackingNumber: 'R1' },
    state: 'rejected',
    expect: row(200, 404, 200, 403, 404, 403),
  },
  {
    name: 'return/confirm',
    state: 'returning',
    expect: row(200, 404, 403, 200, 404, 403),
  },
  {
    name: 'return/dispute',
    body: { reason: 'not_as_sent', details: 'Different serial number' },
    state: 'returning',
    expect: row(200, 404, 403, 200, 404, 403),
  },
  { name: 'milestones/deliver', state: 'milestone', expect: row(200, 404, 403, 200, 404, 403) },
  {
    name: 'accept',
    body: { items: ['lens'] },
    state: 'delivered',
    expect: row(200, 404, 200, 403, 404, 403),
  },
  {
    name: 'disputes',
    body: { reason: 'damaged', details: '', items: ['body'], amount: 200_000 },
    state: 'delivered',
    expect: row(200, 404, 200, 403, 404, 403),
  },
];

/** Waits until the escrow's last step is in Postgres, so a refused call's snapshot is stable. */
async function recorded(escrowId: string, type: string) {
  await eventually(async () => {
    const [row] = await h.db.sql<{ n: number }[]>`
      select count(*)::int as n from escrow_events where escrow_id = ${escrowId} and type = ${type}`;
    expect(row?.n).toBe(1);
  });
}

async function escrowIn(state: SetUp): Promise<string> {
  const escrow = await h.createEscrow(
    platformA.apiKey,
    state === 'milestone' ? MILESTONES : TWO_ITEMS,
  );
  await h.fund(escrow);
  if (state === 'milestone') {
    // The first milestone starts as the payment is booked.
    await recorded(escrow.id, 'milestone_started');
    return escrow.id;
  }
  const act = async (name: string, body: unknown, event: string) => {
    const reply = await h.call('POST', `/v1/escrows/${escrow.id}/${name}`, {
      token: platformA.apiKey,
      body,
    });
    expect(reply.status, reply.text).toBe(200);
    await recorded(escrow.id, event);
  };
  await act('ship', { carrier: 'GHN', trackingNumber: 'T1' }, 'shipped');
  await act('deliver', {}, 'delivered');
  if (state === 'delivered') return escrow.id;
  await act('reject', { reason: 'wrong size', items: ['lens'] }, 'rejected');
  if (state === 'rejected') return escrow.id;
  await act('return/ship', { carrier: 'GHN', trackingNumber: 'R1' }, 'return_shipped');
  return escrow.id;
}

it('authorization of the item routes in a state that allows them: the roles named act, no other', async () => {
  const secret = h.stack.apiSettings.tokenSecret;
  const token = (escrowId: string, role: 'buyer' | 'seller', expiresAt: number) =>
    signPartyToken({ platformId: platformA.id, escrowId, role, expiresAt }, secret);
  const inAnHour = Math.floor(Date.now() / 1000) + 3600;
  const other = await h.createEscrow(platformA.apiKey);

  const cells = ITEM_ROUTES.flatMap((route) => CALLERS.map((caller) => ({ route, caller })));
  const results: string[] = [];
  await inBatches(cells, 8, async ({ route, caller }) => {
    const id = await escrowIn(route.state);
    const credentials: Record<Caller, string | undefined> = {
      A: platformA.apiKey,
      B: platformB.apiKey,
      buyer: token(id, 'buyer', inAnHour),
      seller: token(id, 'seller', inAnHour),
      otherToken: token(other.id, 'buyer', inAnHour),
      ops: h.opsKey,
      none: undefined,
      expired: token(id, 'buyer', Math.floor(Date.now() / 1000) - 1),
    };
    const before = await h.snapshot(id);
    const reply = await h.call('POST', `/v1/escrows/${id}/${route.name}`, {
      token: credentials[caller],
      ...(route.body === undefined ? {} : { body: route.body }),
    });
    const expected = route.expect[caller];
    const unchanged =
      reply.status === 200 || JSON.stringify(await h.snapshot(id)) === JSON.stringify(before);
    results.push(
      `POST ${route.name} in ${route.state} as ${caller}: ${reply.status}${
        reply.status === expected && unchanged
          ? ''
          : ` (expected ${expected}${unchanged ? '' : ', but the escrow changed'}) ${reply.text.slice(0, 200)}`
      }`,
    );
  });
  const wrong = results.filter((r) => r.includes('expected'));
  expect(wrong, wrong.join('\n')).toEqual([]);
  expect(results).toHaveLength(ITEM_ROUTES.length * CALLERS.length);
}, 180_000);
