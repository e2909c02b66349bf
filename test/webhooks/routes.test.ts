import { Client } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { issuePlatformKey, newPlatformId, signPartyToken } from '../../api/credentials.js';
import { defaultApiSettings } from '../../api/settings.js';
import { savePlatform } from '../../store/platforms.js';
import type { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/eventually.js';
import { newEscrowId, quietLogger, range, recordEvents, testDispatcher } from './outbox.js';
import { type Receiver, startReceiver } from './receiver.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
const receivers: Receiver[] = [];
const dispatchers: WebhookDispatcher[] = [];
const settings = defaultApiSettings();

/**
 * The app itself, with its auth, access, problems and idempotency, on a database of its own.
 * The Temporal client is lazy: no webhook route calls Temporal.
 */
beforeAll(async () => {
  db = await createTestDatabase();
  app = createApp({
    sql: db.sql,
    temporal: new Client(),
    logger: quietLogger,
    providers: [],
    settings,
  });
});
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await db.sql`update webhook_endpoints set enabled = false, disabled_at = now() where enabled`;
});
afterAll(async () => {
  await db?.drop();
});

/** API keys of the platforms this file made, by platform id. */
const apiKeys = new Map<string, string>();
async function newPlatform(): Promise<string> {
  const id = newPlatformId();
  const key = issuePlatformKey(id);
  await savePlatform(db.sql, { id, name: 'Shop', apiKeySha256: key.sha256, defaultWindows: {} });
  apiKeys.set(id, key.apiKey);
  return id;
}
const platform = (platformId: string): string => apiKeys.get(platformId) ?? 'sk_unknown';
const ops = settings.opsApiKey;
const party = (platformId: string): string =>
  signPartyToken(
    {
      platformId,
      escrowId: 'esc_x',
      role: 'buyer',
      expiresAt: Math.floor(Date.now() / 1000) + 60,
    },
    settings.tokenSecret,
  );

interface Call {
  /** The bearer credential. */
  as?: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
}

async function call(method: string, path: string, { as, body, rawBody, contentType }: Call = {}) {
  const headers: Record<string, string> = {};
  if (as) headers.authorization = `Bearer ${as}`;
  if (body !== undefined || rawBody !== undefined) {
    headers['content-type'] = contentType ?? 'application/json';
  }
  const response = await app.request(path, {
    method,
    headers,
    ...(rawBody !== undefined
      ? { body: rawBody }
      : body !== undefined
        ? { body: JSON.stringify(body) }
        : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected field by field
    json: (text ? JSON.parse(text) : undefined) as any,
  };
}

/** A platform with a registered receiver and a dispatcher delivering to it. */
async function platformWithEndpoint() {
  const platformId = await newPlatform();
  const receiver = await startReceiver();
  receivers.push(receiver);
  const created = await call('POST', '/v1/webhook-endpoints', {
    as: platform(platformId),
    body: { url: receiver.url },
  });
  expect(created.status).toBe(201);
  receiver.secret = created.json.secret;
  return { platformId, receiver, endpointId: created.json.id as string };
}

function dispatch() {
  const dispatcher = testDispatcher(db.sql);
  dispatchers.push(dispatcher);
  return dispatcher;
}

describe('POST /v1/webhook-endpoints', () => {
  it('registers an endpoint and shows its secret once', async () => {
    const platformId = await newPlatform();
    const created = await call('POST', '/v1/webhook-endpoints', {
      as: platform(platformId),
      body: { url: 'https://hooks.example.com/escrow' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^we_[0-9a-f]{24}$/),
      url: 'https://hooks.example.com/escrow',
      eventTypes: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
      enabled: true,
      createdAt: expect.any(String),
    });
    expect(Buffer.from(created.json.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);

    const listed = await call('GET', '/v1/webhook-endpoints', { as: platform(platformId) });
    expect(listed.status).toBe(200);
    expect(listed.json.data).toEqual([
      {
        id: created.json.id,
        url: 'https://hooks.example.com/escrow',
        enabled: true,
        disabledAt: null,
        disabledReason: null,
        eventTypes: null,
        previousSecretExpiresAt: null,
        createdAt: created.json.createdAt,
        updatedAt: expect.any(String),
      },
    ]);
    const otherTenant = await call('GET', '/v1/webhook-endpoints', {
      as: platform(await newPlatform()),
    });
    expect(otherTenant.json.data).toEqual([]);
  });

  it.each([
    ['an ftp URL', { url: 'ftp://hooks.example.com/x' }, 'body.url'],
    ['a javascript: URL', { url: 'javascript:alert(1)' }, 'body.url'],
    ['an empty URL', { url: '' }, 'body.url'],
    ['a URL without a host', { url: 'http://' }, 'body.url'],
    ['no URL', {}, 'body.url'],
    ['a URL that is not a string', { url: 42 }, 'body.url'],
    ['an unknown field', { url: 'https://a.example/x', secret: 'mine' }, 'body.secret'],
  ])('refuses %s with 422 and field errors', async (_name, body, field) => {
    const platformId = await newPlatform();
    const response = await call('POST', '/v1/webhook-endpoints', {
      as: platform(platformId),
      body,
    });
    expect(response.status).toBe(422);
    expect(response.contentType).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 422, title: 'Invalid request' });
    expect(response.json.errors.map((e: { field: string }) => e.field)).toContain(field);
    const listed = await call('GET', '/v1/webhook-endpoints', { as: platform(platformId) });
    expect(listed.json.data).toEqual([]);
  });

  it('refuses malformed JSON (400) and other content types (415) with a problem', async () => {
    const as = platform(await newPlatform());
    const malformed = await call('POST', '/v1/webhook-endpoints', { as, rawBody: '{"url":' });
    expect(malformed.status).toBe(400);
    expect(malformed.contentType).toBe('application/problem+json');
    const wrongType = await call('POST', '/v1/webhook-endpoints', {
      as,
      rawBody: 'url=https://a.example/x',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.contentType).toBe('application/problem+json');
  });

  it('takes bodies up to the app-wide limit (64 KiB), not a smaller one of its own', async () => {
    const as = platform(await newPlatform());
    const url = 'https://a.example/x';
    // 20 KB: over the 16 KiB this router once had; refused for its unknown field only.
    const mid = await call('POST', '/v1/webhook-endpoints', {
      as,
      body: { url, pad: 'x'.repeat(20_000) },
    });
    expect(mid.status).toBe(422);
    expect(mid.json.errors.map((e: { field: string }) => e.field)).toEqual(['body.pad']);
    const large = await call('POST', '/v1/webhook-endpoints', {
      as,
      body: { url, pad: 'x'.repeat(70_000) },
    });
    expect(large.status).toBe(413);
    expect(large.json.type).toBe('https://escrow.dev/problems/payload-too-large');
  });
});

describe('who may call', () => {
  const routes: Array<[string, string, unknown?]> = [
    ['POST', '/v1/webhook-endpoints', { url: 'https://a.example/x' }],
    ['GET', '/v1/webhook-endpoints'],
    ['GET', '/v1/webhook-deliveries'],
    ['POST', '/v1/webhook-deliveries/whd_unknown/redeliver'],
  ];
  it.each(routes)('%s %s: no principal 401, party token 403', async (method, path, body) => {
    const none = await call(method, path, { body });
    expect(none.status).toBe(401);
    expect(none.contentType).toBe('application/problem+json');
    // The app's slug: this router once answered `unauthorized` of its own.
    expect(none.json.type).toBe('https://escrow.dev/problems/unauthenticated');
    const partyToken = await call(method, path, { as: party(await newPlatform()), body });
    expect(partyToken.status).toBe(403);
    expect(partyToken.contentType).toBe('application/problem+json');
  });

  it('ops may read and redeliver any platform’s deliveries but not register endpoints', async () => {
    expect(
      (
        await call('POST', '/v1/webhook-endpoints', {
          as: ops,
          body: { url: 'https://a.example/x' },
        })
      ).status,
    ).toBe(403);
    expect((await call('GET', '/v1/webhook-deliveries', { as: ops })).status).toBe(200);
    expect(
      (await call('POST', '/v1/webhook-deliveries/whd_unknown/redeliver', { as: ops })).status,
    ).toBe(404);
  });
});

describe('GET /v1/webhook-deliveries and redelivery', () => {
  it('lists the platform’s deliveries with status, attempts and their history, paginated', async () => {
    const { platformId, receiver } = await platformWithEndpoint();
    const [e1, e2] = [newEscrowId(), newEscrowId()];
    await recordEvents(db.sql, platformId, e1, range(1, 3));
    await recordEvents(db.sql, platformId, e2, range(1, 2));
    // The first attempt of every event fails, the second succeeds.
    const seen = new Set<string>();
    receiver.answer = (r) => {
      if (seen.has(r.webhookId)) return 200;
      seen.add(r.webhookId);
      return 503;
    };
    dispatch();
    await eventually(() => expect(receiver.accepted()).toHaveLength(5));
    await eventually(async () => {
      const all = await call('GET', '/v1/webhook-deliveries', { as: platform(platformId) });
      expect(all.json.data.every((d: { status: string }) => d.status === 'succeeded')).toBe(true);
    });

    const forE1 = await call('GET', `/v1/webhook-deliveries?escrowId=${e1}`, {
      as: platform(platformId),
    });
    expect(forE1.status).toBe(200);
    expect(forE1.json.nextCursor).toBeNull();
    expect(forE1.json.data.map((d: { seq: number }) => d.seq)).toEqual([3, 2, 1]);
    const first = forE1.json.data[2];
    expect(first).toMatchObject({
      id: expect.stringMatching(/^whd_/),
      url: receiver.url,
      eventId: `evt_${e1}_1`,
      eventType: 'escrow.created',
      escrowId: e1,
      seq: 1,
      status: 'succeeded',
      attempts: 2,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(first.history).toEqual([
      expect.objectContaining({ attempt: 1, statusCode: 503, error: 'endpoint answered HTTP 503' }),
      expect.objectContaining({ attempt: 2, statusCode: 200, error: null }),
    ]);
    expect(first.history[0].durationMs).toEqual(expect.any(Number));

    // Pages of two, newest first, every delivery once.
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const response = await call('GET', `/v1/webhook-deliveries${query}`, {
        as: platform(platformId),
      });
      expect(response.status).toBe(200);
      expect(response.json.data.length).toBeLessThanOrEqual(2);
      ids.push(...response.json.data.map((d: { id: string }) => d.id));
      cursor = response.json.nextCursor;
      if (!cursor) break;
    }
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);

    // Another platform sees none of them; ops sees them.
    const other = await call('GET', `/v1/webhook-deliveries?escrowId=${e1}`, {
      as: platform(await newPlatform()),
    });
    expect(other.json.data).toEqual([]);
    const asOps = await call('GET', `/v1/webhook-deliveries?escrowId=${e1}`, { as: ops });
    expect(asOps.json.data).toHaveLength(3);
  });

  it.each([
    ['limit=0'],
    ['limit=101'],
    ['limit=abc'],
    ['cursor=-1'],
    ['cursor=abc'],
    ['cursor=9279297291113962097'],
    ['cursor=9999999999999999999'],
    ['limit='],
    ['limit=1e1'],
    ['limit=%205'],
    ['colour=blue'],
  ])('refuses ?%s with 422', async (query) => {
    const response = await call('GET', `/v1/webhook-deliveries?${query}`, {
      as: platform(await newPlatform()),
    });
    expect(response.status).toBe(422);
    expect(response.contentType).toBe('application/problem+json');
    expect(response.json.errors.map((e: { field: string }) => e.field)).toEqual([
      `query.${query.split('=')[0]}`,
    ]);
  });

  it('redelivers a delivery now: the receiver gets the same event again, signed; another tenant gets 404', async () => {
    const { platformId, receiver } = await platformWithEndpoint();
    const escrow = newEscrowId();
    await recordEvents(db.sql, platformId, escrow, [1]);
    dispatch();
    await eventually(() => expect(receiver.accepted()).toHaveLength(1));
    let delivery: { id: string; status: string } | undefined;
    await eventually(async () => {
      const listed = await call('GET', `/v1/webhook-deliveries?escrowId=${escrow}`, {
        as: platform(platformId),
      });
      delivery = listed.json.data[0];
      expect(delivery?.status).toBe('succeeded');
    });
    const id = delivery?.id ?? '';

    const stranger = await call('POST', `/v1/webhook-deliveries/${id}/redeliver`, {
      as: platform(await newPlatform()),
    });
    expect(stranger.status).toBe(404);
    expect(stranger.contentType).toBe('application/problem+json');
    expect(receiver.requests).toHaveLength(1);

    const again = await call('POST', `/v1/webhook-deliveries/${id}/redeliver`, {
      as: platform(platformId),
    });
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ id, status: 'pending', attempts: 1 });
    await eventually(() => expect(receiver.accepted()).toHaveLength(2));
    const [firstTime, secondTime] = receiver.requests;
    expect(secondTime?.webhookId).toBe(firstTime?.webhookId);
    expect(secondTime?.body).toBe(firstTime?.body);
    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
    await eventually(async () => {
      const after = await call('GET', `/v1/webhook-deliveries?escrowId=${escrow}`, {
        as: platform(platformId),
      });
      expect(after.json.data[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(after.json.data[0].history.map((h: { statusCode: number }) => h.statusCode)).toEqual([
        200, 200,
      ]);
    });
  });

  it('redelivers a given-up delivery to an endpoint that is back, but not to a disabled one', async () => {
    const { platformId, receiver, endpointId } = await platformWithEndpoint();
    const escrow = newEscrowId();
    receiver.answer = () => 500;
    const dispatcher = testDispatcher(db.sql, { retrySchedule: [20] });
    dispatchers.push(dispatcher);
    await recordEvents(db.sql, platformId, escrow, [1]);
    let id = '';
    await eventually(async () => {
      const listed = await call('GET', `/v1/webhook-deliveries?escrowId=${escrow}`, {
        as: platform(platformId),
      });
      expect(listed.json.data[0]).toMatchObject({ status: 'failed', attempts: 2 });
      id = listed.json.data[0].id;
    });

    receiver.answer = () => 200;
    const again = await call('POST', `/v1/webhook-deliveries/${id}/redeliver`, {
      as: platform(platformId),
    });
    expect(again.status).toBe(202);
    await eventually(() => expect(receiver.accepted()).toHaveLength(1));

    receiver.answer = () => 410;
    await recordEvents(db.sql, platformId, escrow, [2]);
    await eventually(async () => {
      const [row] = await db.sql<{ enabled: boolean }[]>`
        select enabled from webhook_endpoints where id = ${endpointId}`;
      expect(row?.enabled).toBe(false);
    });
    const refused = await call('POST', `/v1/webhook-deliveries/${id}/redeliver`, {
      as: platform(platformId),
    });
    expect(refused.status).toBe(409);
    expect(refused.json.type).toMatch(/endpoint-disabled$/);
    const endpoints = await call('GET', '/v1/webhook-endpoints', { as: platform(platformId) });
    expect(endpoints.json.data[0]).toMatchObject({
      enabled: false,
      disabledReason: expect.stringContaining('410'),
    });
  });
});
