import { expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { type CallOptions, escrowBody, expectProblem, useApiHarness } from './harness.js';

const api = useApiHarness();

interface Case {
  name: string;
  method: 'GET' | 'POST';
  /** `:id` is the test's unpaid escrow. */
  path: string;
  options: CallOptions;
  status: number;
  slug: string;
  /** A field error expected in `errors` (422). */
  field?: string;
  message?: RegExp;
}

const create = (body: unknown): Pick<Case, 'method' | 'path' | 'options'> => ({
  method: 'POST',
  path: '/v1/escrows',
  options: { body },
});
const createRaw = (raw: string, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  path: '/v1/escrows',
  options: { raw, headers },
});
const windows = (w: Record<string, string>) => create(escrowBody({ windows: w }));

const CASES: Case[] = [
  {
    name: 'malformed JSON',
    ...createRaw('{"amount": 10,'),
    status: 400,
    slug: 'malformed-request',
  },
  {
    name: 'empty body declared as JSON',
    ...createRaw(''),
    status: 400,
    slug: 'malformed-request',
  },
  {
    name: 'wrong content type',
    ...createRaw(JSON.stringify(escrowBody()), { 'content-type': 'text/plain' }),
    status: 415,
    slug: 'unsupported-media-type',
  },
  {
    name: 'form-encoded body',
    ...createRaw('amount=10', { 'content-type': 'application/x-www-form-urlencoded' }),
    status: 415,
    slug: 'unsupported-media-type',
  },
  {
    name: 'oversized body',
    ...create(escrowBody({ description: 'x'.repeat(70_000) })),
    status: 413,
    slug: 'payload-too-large',
  },
  { name: 'a JSON array', ...create([]), status: 422, slug: 'validation-failed' },
  { name: 'JSON null', ...createRaw('null'), status: 422, slug: 'validation-failed' },
  {
    name: 'amount as a string',
    ...create(escrowBody({ amount: '1500000' })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.amount',
  },
  {
    name: 'zero amount',
    ...create(escrowBody({ amount: 0 })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.amount',
  },
  {
    name: 'negative amount',
    ...create(escrowBody({ amount: -100 })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.amount',
  },
  {
    name: 'fractional amount',
    ...create(escrowBody({ amount: 1500.5 })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.amount',
  },
  {
    name: 'amount over 2^53',
    ...createRaw(
      JSON.stringify(escrowBody({ amount: 1 })).replace(
        '"amount":1,',
        '"amount":9007199254740993,',
      ),
    ),
    status: 422,
    slug: 'validation-failed',
    field: 'body.amount',
  },
  {
    name: 'amount 1e300',
    ...createRaw(
      JSON.stringify(escrowBody({ amount: 1 })).replace('"amount":1,', '"amount":1e300,'),
    ),
    status: 422,
    slug: 'validation-failed',
    field: 'body.amount',
  },
  {
    name: 'unknown currency',
    ...create(escrowBody({ currency: 'XYZ' })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.currency',
    message: /unknown currency/,
  },
  {
    name: 'a currency the payment provider does not take',
    ...create(escrowBody({ currency: 'USD' })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.currency',
    message: /not supported by the payment provider/,
  },
  {
    name: 'lower-case currency',
    ...create(escrowBody({ currency: 'vnd' })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.currency',
  },
  {
    name: 'fee above the amount',
    ...create(escrowBody({ amount: 1000, fee: 1001 })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.fee',
  },
  {
    name: 'negative fee',
    ...create(escrowBody({ fee: -1 })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.fee',
  },
  {
    name: 'client-set status (unknown field)',
    ...create(escrowBody({ status: 'funded' })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.status',
    message: /unknown field/,
  },
  {
    name: 'client-set id (unknown field)',
    ...create(escrowBody({ id: 'esc_mine' })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.id',
  },
  {
    name: 'unknown nested field',
    ...create(
      escrowBody({
        payoutDestination: {
          bankCode: 'VCB',
          accountNumber: '0123456789',
          accountName: 'A',
          iban: 'x',
        },
      }),
    ),
    status: 422,
    slug: 'validation-failed',
    field: 'body.payoutDestination.iban',
  },
  {
    name: 'missing required fields',
    ...create({ amount: 1000 }),
    status: 422,
    slug: 'validation-failed',
    field: 'body.reference',
  },
  {
    name: 'a window in months',
    ...windows({ inspectionWindow: 'P1M' }),
    status: 422,
    slug: 'validation-failed',
    field: 'body.windows.inspectionWindow',
    message: /months/,
  },
  {
    name: 'a window too short',
    ...windows({ paymentWindow: 'PT10S' }),
    status: 422,
    slug: 'validation-failed',
    field: 'body.windows.paymentWindow',
  },
  {
    name: 'a window that is not a duration',
    ...windows({ shippingWindow: '3 days' }),
    status: 422,
    slug: 'validation-failed',
    field: 'body.windows.shippingWindow',
  },
  {
    name: 'an unknown window',
    ...windows({ coolingOff: 'P1D' }),
    status: 422,
    slug: 'validation-failed',
    field: 'body.windows.coolingOff',
  },
  {
    name: 'a returnUrl that is not http(s)',
    ...create(escrowBody({ returnUrl: 'javascript:alert(1)' })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.returnUrl',
  },
  {
    name: 'a buyerIp that is not an IP address',
    ...create(escrowBody({ buyerIp: 'localhost' })),
    status: 422,
    slug: 'validation-failed',
    field: 'body.buyerIp',
  },
  ...controlCharacterCases(),
  {
    name: 'unknown escrow (read)',
    method: 'GET',
    path: '/v1/escrows/esc_00000000000000000000',
    options: {},
    status: 404,
    slug: 'not-found',
  },
  {
    name: 'unknown escrow (action)',
    method: 'POST',
    path: '/v1/escrows/esc_00000000000000000000/cancel',
    options: { body: { reason: 'x' } },
    status: 404,
    slug: 'not-found',
  },
  {
    name: 'an id that is not an id',
    method: 'GET',
    path: `/v1/escrows/${'x'.repeat(100)}`,
    options: {},
    status: 422,
    slug: 'validation-failed',
    field: 'path.id',
  },
  {
    name: 'accept while unpaid (invalid transition)',
    method: 'POST',
    path: '/v1/escrows/:id/accept',
    options: {},
    status: 409,
    slug: 'invalid-state',
  },
  {
    name: 'resolve without a dispute (invalid transition)',
    method: 'POST',
    path: '/v1/escrows/:id/disputes/resolve',
    options: { token: 'ops', body: { outcome: 'release' } },
    status: 409,
    slug: 'invalid-state',
  },
  {
    name: 'reject while unpaid (invalid transition)',
    method: 'POST',
    path: '/v1/escrows/:id/reject',
    options: { body: { reason: 'wrong size' } },
    status: 409,
    slug: 'invalid-state',
  },
  {
    name: 'deliver a milestone of a together escrow (invalid transition)',
    method: 'POST',
    path: '/v1/escrows/:id/milestones/deliver',
    options: {},
    status: 409,
    slug: 'invalid-state',
  },
  ...itemCases(),
  {
    name: 'ship with a missing field',
    method: 'POST',
    path: '/v1/escrows/:id/ship',
    options: { body: { carrier: 'GHN' } },
    status: 422,
    slug: 'validation-failed',
    field: 'body.trackingNumber',
  },
  {
    name: 'ship without a body',
    method: 'POST',
    path: '/v1/escrows/:id/ship',
    options: {},
    status: 422,
    slug: 'validation-failed',
  },
  {
    name: 'accept with an unknown field',
    method: 'POST',
    path: '/v1/escrows/:id/accept',
    options: { body: { force: true } },
    status: 422,
    slug: 'validation-failed',
    field: 'body.force',
  },
  {
    name: 'a split without sellerAmount',
    method: 'POST',
    path: '/v1/escrows/:id/disputes/resolve',
    options: { token: 'ops', body: { outcome: 'split' } },
    status: 422,
    slug: 'validation-failed',
    field: 'body.sellerAmount',
  },
  {
    name: 'a party token living too long',
    method: 'POST',
    path: '/v1/escrows/:id/party-tokens',
    options: { body: { role: 'buyer', ttlSeconds: 30 * 86_400 } },
    status: 422,
    slug: 'validation-failed',
    field: 'body.ttlSeconds',
  },
  {
    name: 'a party token for an unknown role',
    method: 'POST',
    path: '/v1/escrows/:id/party-tokens',
    options: { body: { role: 'admin' } },
    status: 422,
    slug: 'validation-failed',
    field: 'body.role',
  },
  {
    name: 'list with limit 0',
    method: 'GET',
    path: '/v1/escrows?limit=0',
    options: {},
    status: 422,
    slug: 'validation-failed',
    field: 'query.limit',
  },
  {
    name: 'list with an unknown status',
    method: 'GET',
    path: '/v1/escrows?status=paid',
    options: {},
    status: 422,
    slug: 'validation-failed',
    field: 'query.status',
  },
  {
    name: 'list with an unknown filter',
    method: 'GET',
    path: '/v1/escrows?platformId=plt_other',
    options: {},
    status: 422,
    slug: 'validation-failed',
    field: 'query.platformId',
  },
  {
    name: 'events with a negative cursor',
    method: 'GET',
    path: '/v1/escrows/:id/events?after=-1',
    options: {},
    status: 422,
    slug: 'validation-failed',
    field: 'query.after',
  },
  {
    name: 'a malformed Authorization header',
    method: 'GET',
    path: '/v1/escrows',
    options: { token: undefined, headers: { authorization: 'Basic abc' } },
    status: 401,
    slug: 'unauthenticated',
  },
  {
    name: 'a forged platform key',
    method: 'GET',
    path: '/v1/escrows',
    options: { token: 'sk_plt_00000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    status: 401,
    slug: 'unauthenticated',
  },
  {
    name: 'a tampered party token',
    method: 'GET',
    path: '/v1/escrows/:id',
    options: { token: 'pt_eyJ2IjoxfQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    status: 401,
    slug: 'unauthenticated',
  },
  {
    name: 'an unknown route',
    method: 'POST',
    path: '/v1/escrows/:id/teleport',
    options: { body: {} },
    status: 404,
    slug: 'not-found',
  },
];

/** An escrow's items: they sum to the amount, ids unique, at most 100; milestones need them. */
function itemCases(): Case[] {
  const line = (id: string, amount: number, extra: Record<string, unknown> = {}) => ({
    id,
    description: `Item ${id}`,
    amount,
    ...extra,
  });
  const invalid = (name: string, body: unknown, field: string, message?: RegExp): Case => ({
    name,
    ...create(body),
    status: 422,
    slug: 'validation-failed',
    field,
    ...(message ? { message } : {}),
  });
  return [
    invalid(
      'items summing to less than the amount',
      escrowBody({ items: [line('a', 1_000_000), line('b', 400_000)] }),
      'body.items',
      /the items sum to 1400000, 100000 less than the amount 1500000/,
    ),
    invalid(
      'items summing to more than the amount',
      escrowBody({ items: [line('a', 1_000_000), line('b', 600_000)] }),
      'body.items',
      /100000 more than the amount 1500000/,
    ),
    invalid(
      'duplicate item ids',
      escrowBody({ items: [line('a', 750_000), line('a', 750_000)] }),
      'body.items.1.id',
      /duplicate item id a/,
    ),
    invalid(
      '101 items',
      escrowBody({
        amount: 101_000,
        fee: 0,
        items: Array.from({ length: 101 }, (_, i) => line(`sku-${i}`, 1_000)),
      }),
      'body.items',
    ),
    invalid(
      'milestones without items',
      escrowBody({ release: 'milestones' }),
      'body.items',
      /milestones need items/,
    ),
    invalid(
      'a control character in an item description',
      escrowBody({ items: [line('a', 1_500_000, { description: 'Lens\u0007' })] }),
      'body.items.0.description',
      /control characters/,
    ),
    invalid(
      'an item with a zero amount',
      escrowBody({ items: [line('a', 1_500_000), line('b', 0)] }),
      'body.items.1.amount',
    ),
    invalid('an unknown release mode', escrowBody({ release: 'in_parts' }), 'body.release'),
  ];
}

/** Every text path refuses control characters and lone surrogates: 422 naming the field. */
function controlCharacterCases(): Case[] {
  const invalid = (
    name: string,
    at: Pick<Case, 'method' | 'path' | 'options'>,
    field: string,
  ): Case => ({
    name,
    ...at,
    status: 422,
    slug: 'validation-failed',
    field,
    message: /control characters/,
  });
  const post = (path: string, body: unknown, token?: string) => ({
    method: 'POST' as const,
    path,
    options: token ? { body, token } : { body },
  });
  const get = (path: string) => ({ method: 'GET' as const, path, options: {} });
  const nested = { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'A\u0085B' };
  return [
    invalid('NUL in reference', create(escrowBody({ reference: 'o\u0000' })), 'body.reference'),
    invalid('ESC in buyerId', create(escrowBody({ buyerId: 'b\u001b[2J' })), 'body.buyerId'),
    invalid('DEL in sellerId', create(escrowBody({ sellerId: 's\u007f' })), 'body.sellerId'),
    invalid(
      'lone surrogate in description',
      create(escrowBody({ description: 'x\ud800y' })),
      'body.description',
    ),
    invalid(
      'C1 in the payout account name',
      create(escrowBody({ payoutDestination: nested })),
      'body.payoutDestination.accountName',
    ),
    invalid(
      'NUL in returnUrl',
      create(escrowBody({ returnUrl: 'https://shop.example/r\u0000' })),
      'body.returnUrl',
    ),
    invalid(
      'NUL in ship carrier',
      post('/v1/escrows/:id/ship', { carrier: 'GHN\u0000', trackingNumber: 'T1' }),
      'body.carrier',
    ),
    invalid(
      'line break in a tracking number',
      post('/v1/escrows/:id/ship', { carrier: 'GHN', trackingNumber: 'T1\nT2' }),
      'body.trackingNumber',
    ),
    invalid(
      'NUL in cancel reason',
      post('/v1/escrows/:id/cancel', { reason: '\u0000' }),
      'body.reason',
    ),
    invalid(
      'NUL in dispute details',
      post('/v1/escrows/:id/disputes', { reason: 'damaged', details: 'line 1\nline\u00002' }),
      'body.details',
    ),
    invalid(
      'BEL in a dispute response',
      post('/v1/escrows/:id/disputes/respond', { message: 'ok\u0007' }),
      'body.message',
    ),
    invalid('NUL in a list filter', get('/v1/escrows?buyerId=b%00'), 'query.buyerId'),
    invalid('NUL in an escrow id', get('/v1/escrows/esc_%00'), 'path.id'),
    invalid(
      'NUL in a webhook URL',
      post('/v1/webhook-endpoints', { url: 'https://shop.example/h%00/\u0000' }),
      'body.url',
    ),
    invalid(
      'NUL in a delivery filter',
      get('/v1/webhook-deliveries?escrowId=%00'),
      'query.escrowId',
    ),
    invalid('NUL in a delivery id', get('/v1/webhook-deliveries/whd_%00'), 'path.id'),
    invalid(
      'NUL in a platform name',
      post('/v1/platforms', { name: 'Shop\u0000' }, 'ops'),
      'body.name',
    ),
  ];
}

const keyOf = (name: string) => `bad-input-${name.replace(/[^a-z0-9]+/gi, '-')}`;

it('bad input: the right 4xx with a problem body, and nothing changes', async () => {
  const escrow = await api.h.createEscrow(api.platform.apiKey);
  const count = async () => {
    const [row] = await api.h.db.sql<{ n: number }[]>`
      select count(*)::int as n from escrows where platform_id = ${api.platform.id}`;
    return row?.n;
  };
  const escrowsBefore = await count();
  const escrowBefore = await api.h.snapshot(escrow.id);
  const keysBefore = await api.h.db.sql`select tenant, key from idempotency_keys`;

  const failures: string[] = [];
  for (const c of CASES) {
    const reply = await api.h.call(c.method, c.path.replace(':id', escrow.id), {
      token: api.platform.apiKey,
      ...c.options,
      ...(c.options.token === 'ops' ? { token: api.h.opsKey } : {}),
      headers: { 'idempotency-key': keyOf(c.name), ...c.options.headers },
    });
    try {
      expectProblem(reply, c.status, c.slug);
      if (c.field) {
        const error = (reply.body.errors ?? []).find((e: { field: string }) => e.field === c.field);
        expect(error, `no error for ${c.field} in ${reply.text}`).toBeDefined();
        if (c.message) expect(error.message).toMatch(c.message);
      }
      if (c.status === 409) {
        // No refund or payout has failed, so cancelling is all anyone may do.
        expect(reply.body).toMatchObject({
          currentStatus: 'awaiting_payment',
          allowedActions: ['cancel'],
        });
      }
    } catch (error) {
      failures.push(
        `${c.name}: ${(error as Error).message.split('\n')[0]} — ${reply.text.slice(0, 300)}`,
      );
    }
  }
  expect(failures, failures.join('\n')).toEqual([]);

  expect(await count()).toBe(escrowsBefore);
  expect(await api.h.snapshot(escrow.id)).toEqual(escrowBefore);
  // Only the refused transitions began (their 409 is the stored answer); no other key kept.
  const keysAfter = await api.h.db.sql<{ key: string }[]>`select key from idempotency_keys`;
  expect(keysAfter.map((k) => k.key).sort()).toEqual(
    [
      ...keysBefore.map((k) => k.key),
      keyOf('accept while unpaid (invalid transition)'),
      keyOf('resolve without a dispute (invalid transition)'),
      keyOf('reject while unpaid (invalid transition)'),
      keyOf('deliver a milestone of a together escrow (invalid transition)'),
    ].sort(),
  );
});

it('a NUL byte in a create or a ship is a 422 naming the field; the escrow goes on', async () => {
  const nulCreate = await api.h.call('POST', '/v1/escrows', {
    token: api.platform.apiKey,
    body: escrowBody({ description: 'x\u0000y' }),
  });
  expectProblem(nulCreate, 422, 'validation-failed');
  expect(nulCreate.body.errors).toEqual([
    { field: 'body.description', message: expect.stringMatching(/U\+0000 at index 1/) },
  ]);

  // Line breaks in free text and characters outside the BMP are not control characters.
  const escrow = await api.h.createEscrow(api.platform.apiKey, { description: 'Máy ảnh 📷' });
  await api.h.fund(escrow);
  const seller = await api.h.partyToken(api.platform.apiKey, escrow.id, 'seller');
  const ship = (carrier: string) =>
    api.h.call('POST', `/v1/escrows/${escrow.id}/ship`, {
      token: seller,
      body: { carrier, trackingNumber: 'T1' },
    });
  const nulShip = await ship('GHN\u0000');
  expectProblem(nulShip, 422, 'validation-failed');
  expect(nulShip.body.errors).toEqual([{ field: 'body.carrier', message: expect.any(String) }]);
  const shipped = await ship('GHN');
  expect(shipped.status, shipped.text).toBe(200);
  const buyer = await api.h.partyToken(api.platform.apiKey, escrow.id, 'buyer');
  const dispute = await api.h.call('POST', `/v1/escrows/${escrow.id}/disputes`, {
    token: buyer,
    body: { reason: 'damaged', details: 'Lens cracked.\r\nBox crushed.\tPhotos attached.' },
  });
  expect(dispute.status, dispute.text).toBe(200);
  expect(dispute.body.status).toBe('disputed');
});

it('a dispute naming an unknown item, or more than is held: 422 saying why; nothing changes', async () => {
  const escrow = await api.h.createEscrow(api.platform.apiKey, {
    items: [
      { id: 'lens', description: 'Lens', amount: 500_000 },
      { id: 'body', description: 'Body', amount: 1_000_000 },
    ],
  });
  await api.h.fund(escrow);
  const asPlatform = (action: string, body: unknown) =>
    api.h.call('POST', `/v1/escrows/${escrow.id}/${action}`, { token: api.platform.apiKey, body });
  expect((await asPlatform('ship', { carrier: 'GHN', trackingNumber: 'T1' })).status).toBe(200);
  expect((await asPlatform('deliver', {})).status).toBe(200);
  await eventually(async () => expect(await api.h.statusOf(escrow.id)).toBe('delivered'));
  const before = await api.h.snapshot(escrow.id);
  const viewBefore = (
    await api.h.call('GET', `/v1/escrows/${escrow.id}`, { token: api.platform.apiKey })
  ).body;

  const buyer = await api.h.partyToken(api.platform.apiKey, escrow.id, 'buyer');
  const dispute = (body: Record<string, unknown>) =>
    api.h.call('POST', `/v1/escrows/${escrow.id}/disputes`, {
      token: buyer,
      body: { reason: 'damaged', details: '', ...body },
    });
  const unknown = await dispute({ items: ['strap'] });
  expectProblem(unknown, 422, 'invalid-argument');
  expect(unknown.body.detail).toMatch(/unknown item strap; this escrow's items: lens, body/);

  const tooMuch = await dispute({ items: ['lens'], amount: 500_001 });
  expectProblem(tooMuch, 422, 'invalid-argument');
  expect(tooMuch.body.detail).toMatch(/at most the 500000 held/);

  const overAll = await dispute({ amount: 1_500_001 });
  expectProblem(overAll, 422, 'invalid-argument');
  expect(overAll.body.detail).toMatch(/at most the 1500000 held/);

  const twice = await dispute({ items: ['lens', 'lens'] });
  expectProblem(twice, 422, 'invalid-argument');
  expect(twice.body.detail).toMatch(/item lens is named twice/);

  const acceptUnknown = await api.h.call('POST', `/v1/escrows/${escrow.id}/accept`, {
    token: buyer,
    body: { items: ['strap'] },
  });
  expectProblem(acceptUnknown, 422, 'invalid-argument');

  expect(await api.h.snapshot(escrow.id)).toEqual(before);
  const viewAfter = (
    await api.h.call('GET', `/v1/escrows/${escrow.id}`, { token: api.platform.apiKey })
  ).body;
  expect(viewAfter).toEqual(viewBefore);
});
