import { describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { expectProblem, useApiHarness } from './harness.js';

const api = useApiHarness();

describe('POST /v1/platforms', () => {
  it('returns a key shown once and stored hashed; the platform defaults apply to its escrows', async () => {
    const reply = await api.h.call('POST', '/v1/platforms', {
      token: api.h.opsKey,
      body: {
        name: 'Chợ Đồ Cũ',
        defaultWindows: { inspectionWindow: 'P5D', paymentWindow: 'PT2H' },
      },
    });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body).toMatchObject({
      id: expect.stringMatching(/^plt_[a-z0-9]{20}$/),
      name: 'Chợ Đồ Cũ',
      apiKey: expect.stringMatching(/^sk_plt_[a-z0-9]{20}\.[A-Za-z0-9_-]{43}$/),
      defaultWindows: { inspectionWindow: 'P5D', paymentWindow: 'PT2H' },
    });
    const [row] = await api.h.db.sql<{ digest: Buffer }[]>`
      select api_key_sha256 as digest from platforms where id = ${reply.body.id}`;
    expect(row?.digest).toHaveLength(32);
    const stored = await api.h.db.sql`
      select 1 from platforms where api_key_sha256::text like ${`%${reply.body.apiKey}%`}`;
    expect(stored).toHaveLength(0);

    const escrow = await api.h.createEscrow(reply.body.apiKey, {
      windows: { paymentWindow: 'PT1H' },
    });
    const view = await api.h.call('GET', `/v1/escrows/${escrow.id}`, { token: reply.body.apiKey });
    expect(Date.parse(view.body.deadlines.paymentWindow) - Date.parse(view.body.statusSince)).toBe(
      3_600_000,
    );
    const [terms] = await api.h.db.sql<{ windows: Record<string, number> }[]>`
      select view -> 'deadlines' as windows from escrows where id = ${escrow.id}`;
    expect(terms).toBeDefined();

    const tampered = `${reply.body.apiKey.slice(0, -1)}${reply.body.apiKey.endsWith('A') ? 'B' : 'A'}`;
    expectProblem(
      await api.h.call('GET', '/v1/escrows', { token: tampered }),
      401,
      'unauthenticated',
    );
  });
});

describe('party tokens', () => {
  it('are scoped to one escrow and one role, and expire', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey);
    const before = Date.now();
    const reply = await api.h.call('POST', `/v1/escrows/${escrow.id}/party-tokens`, {
      token: api.platform.apiKey,
      body: { role: 'seller', ttlSeconds: 120 },
    });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body).toMatchObject({
      escrowId: escrow.id,
      role: 'seller',
      token: expect.stringMatching(/^pt_/),
    });
    const expiresAt = Date.parse(reply.body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 119_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 121_000);

    const read = await api.h.call('GET', `/v1/escrows/${escrow.id}`, { token: reply.body.token });
    expect(read.status).toBe(200);
    const events = await api.h.call('GET', `/v1/escrows/${escrow.id}/events`, {
      token: reply.body.token,
    });
    expect(events.status).toBe(200);
    const denied = await api.h.call('POST', `/v1/escrows/${escrow.id}/accept`, {
      token: reply.body.token,
    });
    expectProblem(denied, 403, 'forbidden');
  });
});

describe('errors', () => {
  it('401 carries WWW-Authenticate and a problem body', async () => {
    const reply = await api.h.call('GET', '/v1/escrows');
    expectProblem(reply, 401, 'unauthenticated');
    expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="escrow"');
    expect(reply.body.requestId).toBe(reply.headers.get('x-request-id'));
  });

  it('API responses are not cached', async () => {
    const reply = await api.h.call('GET', '/v1/escrows', { token: api.platform.apiKey });
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });
});

describe('health, metrics, docs', () => {
  it('GET /healthz and /readyz', async () => {
    expect((await api.h.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await api.h.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
  });

  it('GET /metrics: Prometheus counters and histograms by route pattern', async () => {
    await api.h.call('GET', '/v1/escrows/esc_unknown', { token: api.platform.apiKey });
    await eventually(async () => {
      const reply = await api.h.call('GET', '/metrics');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toContain('text/plain');
      expect(reply.text).toContain('# TYPE http_requests_total counter');
      expect(reply.text).toMatch(
        /http_requests_total\{method="GET",route="\/v1\/escrows\/:id",status="404"\} \d+/,
      );
      expect(reply.text).toMatch(
        /http_request_duration_seconds_bucket\{(?=[^}]*method="GET")(?=[^}]*route="\/v1\/escrows\/:id")[^}]*le="\+Inf"[^}]*\} \d+/,
      );
      expect(reply.text).not.toContain('esc_unknown');
    });
  });

  it('GET /payment/return: where the buyer lands after paying', async () => {
    const reply = await api.h.call('GET', '/payment/return?vnp_ResponseCode=00');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('Your payment is being confirmed');
  });

  it('GET /docs: an interactive reference served locally, no CDN', async () => {
    const reply = await api.h.call('GET', '/docs');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('text/html');
    expect(reply.text).toContain("url: '/openapi.json'");
    expect(reply.text).not.toMatch(/<(script|link)[^>]+(src|href)=["']?https?:/i);
    expect(reply.headers.get('content-security-policy')).toContain("connect-src 'self'");
  });
});

describe('GET /openapi.json', () => {
  type Schema = Record<string, unknown> & { $ref?: string; example?: unknown };
  interface Operation {
    requestBody?: {
      required?: boolean;
      content: Record<string, { schema: Schema; example?: unknown }>;
    };
    responses: Record<string, unknown>;
    security?: unknown[];
  }

  it('publishes the text rule as a pattern: control characters refused, any other text kept', async () => {
    const spec = (await api.h.call('GET', '/openapi.json')).body;
    const carrier = spec.components.schemas.Ship.properties.carrier;
    const details = spec.components.schemas.OpenDispute.properties.details;
    const line = new RegExp(carrier.pattern, 'u');
    const multiline = new RegExp(details.pattern, 'u');
    for (const text of ['GHN', 'Hà Nội 🚚', '—']) expect(line.test(text), text).toBe(true);
    for (const text of ['GHN\u0000', 'a\nb', '\u007F', '\u0085', '\uD800x']) {
      expect(line.test(text), JSON.stringify(text)).toBe(false);
    }
    expect(multiline.test('line one\r\nline two\tend')).toBe(true);
    expect(multiline.test('bell\u0007')).toBe(false);
  });

  it('is OpenAPI 3.1 with every route, bearer security and problem responses', async () => {
    const spec = (await api.h.call('GET', '/openapi.json')).body;
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    const paths = Object.keys(spec.paths);
    for (const path of [
      '/v1/platforms',
      '/v1/escrows',
      '/v1/escrows/{id}',
      '/v1/escrows/{id}/events',
      '/v1/escrows/{id}/ship',
      '/v1/escrows/{id}/deliver',
      '/v1/escrows/{id}/accept',
      '/v1/escrows/{id}/extend-inspection',
      '/v1/escrows/{id}/cancel',
      '/v1/escrows/{id}/disputes',
      '/v1/escrows/{id}/disputes/respond',
      '/v1/escrows/{id}/disputes/resolve',
      '/v1/escrows/{id}/payout/retry',
      '/v1/escrows/{id}/refund/retry',
      '/v1/escrows/{id}/party-tokens',
      '/v1/checkouts',
      '/v1/checkouts/{id}',
      '/v1/escrows/{id}/disputes/messages',
      '/v1/escrows/{id}/disputes/files/{fileId}',
      '/v1/escrows/{id}/case-record',
      '/.well-known/escrow-signing-keys',
      '/v1/ledger/check',
      '/v1/escrows/{id}/ledger',
      '/v1/platforms/{id}/rails',
      '/v1/platforms/{id}/rails/{rail}',
      '/v1/platforms/{id}/rails/momo',
      '/healthz',
      '/readyz',
      '/metrics',
      '/docs',
    ]) {
      expect(paths).toContain(path);
    }
    const create = spec.paths['/v1/escrows'].post;
    expect(create.responses['422'].content['application/problem+json'].schema.$ref).toBe(
      '#/components/schemas/Problem',
    );
    expect(create.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
  });

  it('every request body has an example, and sending it as shown succeeds', async () => {
    const spec = (await api.h.call('GET', '/openapi.json')).body;
    const resolve = (schema: Schema): Schema =>
      schema.$ref
        ? resolve(spec.components.schemas[schema.$ref.split('/').pop() as string])
        : schema;

    const escrowIn = async (state: string): Promise<string> => {
      const escrow = await api.h.createEscrow(api.platform.apiKey, {
        ...(state === 'payout_failed'
          ? { payoutDestination: { bankCode: 'VCB', accountNumber: '000999888', accountName: 'X' } }
          : {}),
        ...(state === 'milestone'
          ? {
              release: 'milestones',
              items: [
                { id: 'design', description: 'Design', amount: 500_000 },
                { id: 'build', description: 'Build', amount: 1_000_000 },
              ],
            }
          : {}),
      });
      if (state === 'awaiting_payment') return escrow.id;
      await api.h.fund(escrow);
      const act = (name: string, body?: unknown) =>
        api.h.call('POST', `/v1/escrows/${escrow.id}/${name}`, {
          token: api.platform.apiKey,
          ...(body ? { body } : {}),
        });
      if (state === 'funded' || state === 'milestone') return escrow.id;
      if (state === 'refund_failed') {
        await fetch(`${api.h.stack.sandbox.url}/_sandbox/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ operation: 'refund', kind: 'decline' }),
        });
        await act('cancel', { reason: 'out of stock' });
        await eventually(async () => {
          const got = await api.h.call('GET', `/v1/escrows/${escrow.id}`, {
            token: api.platform.apiKey,
          });
          expect(got.body.refunds[0]?.status).toBe('failed');
        });
        return escrow.id;
      }
      await act('ship', { carrier: 'GHN', trackingNumber: 'X1' });
      if (state === 'shipped') return escrow.id;
      if (state === 'payout_failed') {
        await act('accept');
        await eventually(async () => {
          const got = await api.h.call('GET', `/v1/escrows/${escrow.id}`, {
            token: api.platform.apiKey,
          });
          expect(got.body.payout.status).toBe('failed');
        });
        return escrow.id;
      }
      await act('deliver');
      if (state === 'delivered') return escrow.id;
      if (state === 'rejected' || state === 'returning') {
        await act('reject', { reason: 'wrong size' });
        if (state === 'returning')
          await act('return/ship', { carrier: 'GHN', trackingNumber: 'R1' });
        return escrow.id;
      }
      await act('disputes', { reason: 'damaged', details: '' });
      return escrow.id;
    };
    // What each operation needs to succeed: a credential, and an escrow in the right status.
    // A platform of its own for the rails' examples: the example credentials are no sandbox's.
    const examplePlatform = await api.h.createPlatform('Example rails');
    // A webhook endpoint of the platform for the endpoint management examples.
    const exampleEndpoint = await api.h.call('POST', '/v1/webhook-endpoints', {
      token: api.platform.apiKey,
      body: { url: 'http://127.0.0.1:9/hooks' },
    });
    const fixtures: Record<string, { token: () => string; state?: string; id?: string }> = {
      'POST /v1/platforms': { token: () => api.h.opsKey },
      'POST /v1/escrows': { token: () => api.platform.apiKey },
      'POST /v1/checkouts': { token: () => api.platform.apiKey },
      'POST /v1/escrows/{id}/party-tokens': {
        token: () => api.platform.apiKey,
        state: 'awaiting_payment',
      },
      'POST /v1/escrows/{id}/ship': { token: () => api.platform.apiKey, state: 'funded' },
      'POST /v1/escrows/{id}/deliver': { token: () => api.platform.apiKey, state: 'shipped' },
      'POST /v1/escrows/{id}/accept': { token: () => api.platform.apiKey, state: 'shipped' },
      'POST /v1/escrows/{id}/extend-inspection': {
        token: () => api.platform.apiKey,
        state: 'delivered',
      },
      'POST /v1/escrows/{id}/cancel': {
        token: () => api.platform.apiKey,
        state: 'awaiting_payment',
      },
      'POST /v1/escrows/{id}/disputes': { token: () => api.platform.apiKey, state: 'shipped' },
      'POST /v1/escrows/{id}/disputes/respond': {
        token: () => api.platform.apiKey,
        state: 'disputed',
      },
      'POST /v1/escrows/{id}/disputes/resolve': { token: () => api.h.opsKey, state: 'disputed' },
      'POST /v1/escrows/{id}/disputes/messages': {
        token: () => api.platform.apiKey,
        state: 'disputed',
      },
      'POST /v1/escrows/{id}/payout/retry': { token: () => api.h.opsKey, state: 'payout_failed' },
      'POST /v1/escrows/{id}/milestones/deliver': {
        token: () => api.platform.apiKey,
        state: 'milestone',
      },
      'POST /v1/escrows/{id}/reject': { token: () => api.platform.apiKey, state: 'delivered' },
      'POST /v1/escrows/{id}/return/ship': { token: () => api.platform.apiKey, state: 'rejected' },
      'POST /v1/escrows/{id}/return/confirm': {
        token: () => api.platform.apiKey,
        state: 'returning',
      },
      'POST /v1/escrows/{id}/return/dispute': {
        token: () => api.platform.apiKey,
        state: 'returning',
      },
      'POST /v1/escrows/{id}/refund/retry': { token: () => api.h.opsKey, state: 'refund_failed' },
      'POST /v1/webhook-endpoints': { token: () => api.platform.apiKey },
      'PATCH /v1/webhook-endpoints/{id}': {
        token: () => api.platform.apiKey,
        id: exampleEndpoint.body.id,
      },
      'POST /v1/webhook-endpoints/{id}/rotate-secret': {
        token: () => api.platform.apiKey,
        id: exampleEndpoint.body.id,
      },
      ...Object.fromEntries(
        ['vnpay', 'momo', 'zalopay', 'payos'].map((rail) => [
          `PUT /v1/platforms/{id}/rails/${rail}`,
          { token: () => api.h.opsKey, id: examplePlatform.id },
        ]),
      ),
    };

    const outcomes: string[] = [];
    for (const [path, item] of Object.entries(
      spec.paths as Record<string, Record<string, Operation>>,
    )) {
      for (const [method, operation] of Object.entries(item)) {
        const media = operation.requestBody?.content['application/json'];
        if (!media) continue;
        const name = `${method.toUpperCase()} ${path}`;
        const example = media.example ?? resolve(media.schema).example;
        if (example === undefined) {
          outcomes.push(`${name}: no example`);
          continue;
        }
        const fixture = fixtures[name];
        if (!fixture) {
          outcomes.push(`${name}: no fixture in this test`);
          continue;
        }
        const id = fixture.id ?? (fixture.state ? await escrowIn(fixture.state) : '');
        const reply = await api.h.call(method.toUpperCase(), path.replace('{id}', id), {
          token: fixture.token(),
          body: example,
        });
        if (reply.status >= 300)
          outcomes.push(`${name}: ${reply.status} ${reply.text.slice(0, 300)}`);
      }
    }
    expect(outcomes, outcomes.join('\n')).toEqual([]);
  });
});
