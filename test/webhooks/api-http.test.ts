import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import { type ApiHarness, expectProblem, startApiHarness } from '../api/harness.js';
import { eventually } from '../support/eventually.js';
import { testDispatcher } from './outbox.js';
import { type Receiver, startReceiver } from './receiver.js';

let h: ApiHarness;
let dispatcher: WebhookDispatcher;
const receivers: Receiver[] = [];

beforeAll(async () => {
  h = await startApiHarness();
  dispatcher = testDispatcher(h.db.sql);
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await dispatcher?.stop();
  await h?.stop();
});

async function register(apiKey: string, idempotencyKey?: string) {
  const receiver = await startReceiver();
  receivers.push(receiver);
  const reply = await h.call('POST', '/v1/webhook-endpoints', {
    token: apiKey,
    body: { url: receiver.url },
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  expect(reply.status, reply.text).toBe(201);
  receiver.secret = reply.body.secret;
  return { receiver, endpoint: reply.body as { id: string; secret: string } };
}

describe('webhooks through the API (real auth, app, workflow, sandbox PSP)', () => {
  it('a platform registers an endpoint, runs an escrow over HTTP and receives every event signed and in order; deliveries are listed and redelivered', async () => {
    const platform = await h.createPlatform('Webhook shop');
    const { receiver } = await register(platform.apiKey);

    const escrow = await h.createEscrow(platform.apiKey);
    await h.fund(escrow);
    const post = (path: string, body: unknown = {}) =>
      h.call('POST', `/v1/escrows/${escrow.id}/${path}`, { token: platform.apiKey, body });
    expect((await post('ship', { carrier: 'GHN', trackingNumber: 'GHN1' })).status).toBe(200);
    expect((await post('deliver')).status).toBe(200);
    expect((await post('accept')).status).toBe(200);

    const events = async () =>
      (
        await h.db.sql<{ seq: number; type: string }[]>`
          select seq, type from escrow_events where escrow_id = ${escrow.id} order by seq`
      ).map((e) => ({ seq: e.seq, type: `escrow.${e.type}` }));
    await eventually(async () => {
      const got = receiver.accepted().map((r) => ({ seq: r.seq, type: r.type }));
      const recorded = await events();
      expect(recorded.length).toBeGreaterThanOrEqual(6);
      expect(recorded.map((e) => e.type)).toContain('escrow.payout_succeeded');
      expect(got).toEqual(recorded);
    }, 30_000);
    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
    expect(receiver.orderViolations).toEqual([]);

    type Delivery = {
      id: string;
      seq: number;
      status: string;
      attempts: number;
      history: unknown[];
    };
    // The receiver answers before the dispatcher records the result: wait for the records.
    let deliveries: Delivery[] = [];
    await eventually(async () => {
      const listed = await h.call('GET', `/v1/webhook-deliveries?escrowId=${escrow.id}&limit=100`, {
        token: platform.apiKey,
      });
      expect(listed.status, listed.text).toBe(200);
      deliveries = listed.body.data as Delivery[];
      expect(deliveries.map((d) => d.seq)).toEqual((await events()).map((e) => e.seq).reverse());
      expect(
        deliveries.every((d) => d.status === 'succeeded' && d.history.length === d.attempts),
      ).toBe(true);
    });

    // Redeliver the first event.
    const first = deliveries.at(-1);
    const before = receiver.requests.length;
    const again = await h.call('POST', `/v1/webhook-deliveries/${first?.id}/redeliver`, {
      token: platform.apiKey,
    });
    expect(again.status, again.text).toBe(202);
    await eventually(() => expect(receiver.requests.length).toBe(before + 1));
    expect(receiver.requests.at(-1)?.webhookId).toBe(`evt_${escrow.id}_1`);
    expect(receiver.requests.at(-1)?.signatureValid).toBe(true);

    // Another platform: none of it is visible, redelivery is a 404.
    const other = await h.createPlatform('Other shop');
    const theirs = await h.call('GET', `/v1/webhook-deliveries?escrowId=${escrow.id}`, {
      token: other.apiKey,
    });
    expect(theirs.body.data).toEqual([]);
    expectProblem(
      await h.call('POST', `/v1/webhook-deliveries/${first?.id}/redeliver`, {
        token: other.apiKey,
      }),
      404,
    );
    // Ops may look at any platform's deliveries.
    const asOps = await h.call('GET', `/v1/webhook-deliveries?escrowId=${escrow.id}`, {
      token: h.opsKey,
    });
    expect(asOps.body.data).toHaveLength(deliveries.length);

    // A party token of this very escrow may not touch webhooks.
    const buyer = await h.partyToken(platform.apiKey, escrow.id, 'buyer');
    expectProblem(await h.call('GET', '/v1/webhook-deliveries', { token: buyer }), 403);
    expectProblem(
      await h.call('POST', '/v1/webhook-endpoints', {
        token: buyer,
        body: { url: 'https://a.example/x' },
      }),
      403,
    );
    expectProblem(await h.call('GET', '/v1/webhook-deliveries'), 401);
  }, 90_000);

  it('registering with an Idempotency-Key makes one endpoint; the replay is the same response, secret included', async () => {
    const platform = await h.createPlatform('Retrying shop');
    const body = { url: 'https://hooks.example.com/escrow' };
    const key = `key-${Date.now()}`;
    const firstReply = await h.call('POST', '/v1/webhook-endpoints', {
      token: platform.apiKey,
      body,
      idempotencyKey: key,
    });
    expect(firstReply.status, firstReply.text).toBe(201);
    expect(firstReply.body.secret).toMatch(/^whsec_/);
    const replay = await h.call('POST', '/v1/webhook-endpoints', {
      token: platform.apiKey,
      body,
      idempotencyKey: key,
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(firstReply.body);
    const listed = await h.call('GET', '/v1/webhook-endpoints', { token: platform.apiKey });
    expect(listed.body.data).toHaveLength(1);
    // Invalid: 422 with the field, nothing stored.
    const invalid = await h.call('POST', '/v1/webhook-endpoints', {
      token: platform.apiKey,
      body: { url: 'ftp://hooks.example.com' },
    });
    expectProblem(invalid, 422);
    expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'body.url' })]);
    // Disable the example endpoint: nothing listens there.
    await h.db.sql`
      update webhook_endpoints set enabled = false, disabled_at = now() where id = ${firstReply.body.id}`;
  });
});
