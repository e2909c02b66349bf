import { describe, expect, it } from 'vitest';
import { checkoutBody, escrowBody, useApiHarness } from './harness.js';
import { publishedResponseSchema } from './published-schema.js';

const api = useApiHarness();

/** Checks a reply against what /openapi.json promises for it, naming every mismatch. */
async function expectConforms(
  reply: { status: number; body: unknown; text: string },
  method: string,
  path: string,
) {
  const document = (await api.h.call('GET', '/openapi.json')).body;
  const result = publishedResponseSchema(document, method, path, reply.status).safeParse(
    reply.body,
  );
  expect(result.error?.issues ?? [], reply.text).toEqual([]);
}

describe('responses match the published OpenAPI document', () => {
  it('POST /v1/escrows: the 201 is a CreatedEscrow (its payment is the link to pay)', async () => {
    const reply = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body: escrowBody(),
    });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.body.payment).toEqual({ url: expect.any(String), expiresAt: expect.any(String) });
    await expectConforms(reply, 'POST', '/v1/escrows');

    const read = await api.h.call('GET', `/v1/escrows/${reply.body.id}`, {
      token: api.platform.apiKey,
    });
    expect(read.status, read.text).toBe(200);
    await expectConforms(read, 'GET', '/v1/escrows/{id}');
  });

  it('POST /v1/checkouts: the 201 is a CreatedCheckout; GET /v1/checkouts/{id} a Checkout', async () => {
    const reply = await api.h.call('POST', '/v1/checkouts', {
      token: api.platform.apiKey,
      body: checkoutBody(),
    });
    expect(reply.status, reply.text).toBe(201);
    await expectConforms(reply, 'POST', '/v1/checkouts');
    const read = await api.h.call('GET', `/v1/checkouts/${reply.body.id}`, {
      token: api.platform.apiKey,
    });
    expect(read.status, read.text).toBe(200);
    await expectConforms(read, 'GET', '/v1/checkouts/{id}');
  });

  it('POST /v1/webhook-endpoints: the 201 and its replay are the same CreatedWebhookEndpoint', async () => {
    const send = () =>
      api.h.call('POST', '/v1/webhook-endpoints', {
        token: api.platform.apiKey,
        body: { url: 'https://hooks.example.com/published' },
        idempotencyKey: 'published-schema-endpoint',
      });
    const first = await send();
    expect(first.status, first.text).toBe(201);
    await expectConforms(first, 'POST', '/v1/webhook-endpoints');
    const replay = await send();
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    await expectConforms(replay, 'POST', '/v1/webhook-endpoints');
    // Nothing listens there.
    await api.h.db.sql`
      update webhook_endpoints set enabled = false, disabled_at = now() where id = ${first.body.id}`;
  });
});
