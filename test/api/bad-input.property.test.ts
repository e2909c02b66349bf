import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type CallOptions, escrowBody, type Reply, useApiHarness } from './harness.js';

const api = useApiHarness();

// Raw JSON text for one field: any JSON value, strings full of control characters and lone
// surrogates, strings up to and past the body limit, and numbers no JavaScript number holds.
const nastyChar = fc.constantFrom(
  '\u0000',
  '\u0007',
  '\n',
  '\u001b',
  '\u007f',
  '\u0085',
  '\ud800',
  '\udfff',
  'a',
  'ễ',
  '📷',
);
const rawValue: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: nastyChar, maxLength: 40 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => JSON.stringify(s)),
  fc.integer({ min: 50, max: 40_000 }).map((n) => JSON.stringify('x'.repeat(n))),
  fc.constantFrom('1e400', '-1e400', '1e-400', '-0', '9007199254740993', '1.7976931348623157e308'),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
);

/** A valid body with the value at `path` (dot-separated) replaced by raw JSON text. */
function withRaw(body: Record<string, unknown>, path: string, raw: string): string {
  const marker = '__PROPERTY_VALUE__';
  const copy = structuredClone(body);
  const keys = path.split('.');
  let node = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1) as string] = marker;
  return JSON.stringify(copy).replace(JSON.stringify(marker), raw);
}

const paths = (body: Record<string, unknown>, prefix = ''): string[] =>
  Object.entries(body).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? [`${prefix}${key}`, ...paths(value as Record<string, unknown>, `${prefix}${key}.`)]
      : [`${prefix}${key}`],
  );

function expectNoServerError(reply: Reply, ok: number[]): void {
  if (ok.includes(reply.status)) return;
  expect(reply.status, reply.text).toBeGreaterThanOrEqual(400);
  expect(reply.status, reply.text).toBeLessThan(500);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
}

const RUNS = { numRuns: 150 };

it('property: any one field of a valid create body replaced by any value → 201 or a 4xx problem, never a 5xx', async () => {
  const body = escrowBody({
    windows: { paymentWindow: 'PT30M' },
    returnUrl: 'https://shop.example/r',
  });
  const fields = [...paths(body), 'buyerIp', 'status', '__proto__'];
  const count = async () => {
    const [row] = await api.h.db.sql<{ n: number }[]>`
      select count(*)::int as n from escrows where platform_id = ${api.platform.id}`;
    return row?.n ?? 0;
  };
  const before = await count();
  let created = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...fields), rawValue, async (field, raw) => {
      const reply = await api.h.call('POST', '/v1/escrows', {
        token: api.platform.apiKey,
        raw: withRaw(escrowBody(body), field, raw),
      });
      if (reply.status === 201) created += 1;
      expectNoServerError(reply, [201]);
    }),
    RUNS,
  );
  // Every 201 is an escrow in Postgres: none was accepted and then lost to a refused write.
  expect(await count()).toBe(before + created);
});

it('property: any one field of an action body replaced by any value → 2xx or a 4xx problem, never a 5xx', async () => {
  const escrow = await api.h.createEscrow(api.platform.apiKey);
  const destination = { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'A' };
  const targets: Array<{ path: string; body: Record<string, unknown>; ops?: boolean }> = [
    { path: `/v1/escrows/${escrow.id}/ship`, body: { carrier: 'GHN', trackingNumber: 'T1' } },
    { path: `/v1/escrows/${escrow.id}/disputes`, body: { reason: 'damaged', details: 'x' } },
    { path: `/v1/escrows/${escrow.id}/disputes/respond`, body: { message: 'no' } },
    {
      path: `/v1/escrows/${escrow.id}/disputes/resolve`,
      body: { outcome: 'split', sellerAmount: 1 },
      ops: true,
    },
    { path: `/v1/escrows/${escrow.id}/payout/retry`, body: { destination }, ops: true },
    { path: `/v1/escrows/${escrow.id}/party-tokens`, body: { role: 'buyer', ttlSeconds: 600 } },
    { path: '/v1/webhook-endpoints', body: { url: 'https://shop.example/hooks' } },
    {
      path: '/v1/platforms',
      body: { name: 'Shop', defaultWindows: { paymentWindow: 'PT30M' } },
      ops: true,
    },
    // Last: a valid cancel ends the escrow, and every later action is a 409.
    { path: `/v1/escrows/${escrow.id}/cancel`, body: { reason: 'x' } },
  ];
  const cases = targets.flatMap((t) => paths(t.body).map((field) => ({ ...t, field })));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...cases), rawValue, async (target, raw) => {
      const options: CallOptions = {
        token: target.ops ? api.h.opsKey : api.platform.apiKey,
        raw: withRaw(target.body, target.field, raw),
      };
      expectNoServerError(await api.h.call('POST', target.path, options), [200, 201]);
    }),
    RUNS,
  );
});

it('property: any query parameter or path id, any bytes → 200 or a 4xx problem, never a 5xx', async () => {
  const escrow = await api.h.createEscrow(api.platform.apiKey);
  const percent = (bytes: Uint8Array) =>
    [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  const text = fc.oneof(
    fc.string({ unit: nastyChar, maxLength: 40 }).map((s) => percent(Buffer.from(s))),
    fc.uint8Array({ maxLength: 40 }).map(percent),
    fc.constantFrom('', '-1', '1e3', '0x10', '9279297291113962097', '99999999999999999999999'),
    fc.integer({ min: 50, max: 5_000 }).map((n) => 'x'.repeat(n)),
  );
  const urls = [
    ...['status', 'buyerId', 'sellerId', 'reference', 'limit', 'cursor'].map(
      (p) => (v: string) => `/v1/escrows?${p}=${v}`,
    ),
    ...['after', 'limit'].map((p) => (v: string) => `/v1/escrows/${escrow.id}/events?${p}=${v}`),
    ...['escrowId', 'limit', 'cursor'].map(
      (p) => (v: string) => `/v1/webhook-deliveries?${p}=${v}`,
    ),
    (v: string) => `/v1/escrows/${v}`,
    (v: string) => `/v1/escrows/${v}/ledger`,
    (v: string) => `/v1/webhook-deliveries/${v}`,
  ];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...urls), text, async (url, value) => {
      const reply = await api.h.call('GET', url(value), { token: api.platform.apiKey });
      expectNoServerError(reply, [200]);
    }),
    RUNS,
  );
});
