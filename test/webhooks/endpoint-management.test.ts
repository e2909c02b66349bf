import { Client } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { issuePlatformKey, newPlatformId } from '../../api/credentials.js';
import { defaultApiSettings } from '../../api/settings.js';
import { savePlatform } from '../../store/platforms.js';
import type { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import { createEndpoint } from '../../webhooks/endpoints.js';
import { sendWebhook } from '../../webhooks/send.js';
import { addressRefusal, urlRefusal } from '../../webhooks/url-guard.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/eventually.js';
import { newEscrowId, quietLogger, range, recordEvents, testDispatcher } from './outbox.js';
import { type Receiver, startReceiver } from './receiver.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
/** The same app as production configures it: `strict` webhook URLs. */
let strictApp: ReturnType<typeof createApp>;
const receivers: Receiver[] = [];
const dispatchers: WebhookDispatcher[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const deps = { sql: db.sql, temporal: new Client(), logger: quietLogger, providers: [] };
  app = createApp({ ...deps, settings: defaultApiSettings() });
  strictApp = createApp({
    ...deps,
    settings: { ...defaultApiSettings(), webhookUrlPolicy: 'strict' },
  });
});
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await db?.drop();
});

async function newPlatform(): Promise<{ id: string; key: string }> {
  const id = newPlatformId();
  const key = issuePlatformKey(id);
  await savePlatform(db.sql, { id, name: 'Shop', apiKeySha256: key.sha256, defaultWindows: {} });
  return { id, key: key.apiKey };
}

async function call(
  method: string,
  path: string,
  as: string,
  body?: unknown,
  on: ReturnType<typeof createApp> = app,
) {
  const response = await on.request(path, {
    method,
    headers: {
      authorization: `Bearer ${as}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: bodies are checked field by field
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as any };
}

async function withEndpoint(body: Record<string, unknown> = {}) {
  const platform = await newPlatform();
  const receiver = await startReceiver();
  receivers.push(receiver);
  const created = await call('POST', '/v1/webhook-endpoints', platform.key, {
    url: receiver.url,
    ...body,
  });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  receiver.secret = created.json.secret;
  const dispatcher = testDispatcher(db.sql);
  dispatchers.push(dispatcher);
  return { platform, receiver, id: created.json.id as string, secret: created.json.secret };
}

/** The independent verifier: the `standardwebhooks` package. */
const verifies = (secret: string, request: Receiver['requests'][number]): boolean => {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
};

describe('webhook endpoint management', () => {
  it('GET, PATCH (URL and event types), and the filter decides what is sent', async () => {
    const { platform, receiver, id } = await withEndpoint({
      eventTypes: ['escrow.payment_confirmed'],
    });
    const got = await call('GET', `/v1/webhook-endpoints/${id}`, platform.key);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ id, eventTypes: ['escrow.payment_confirmed'], enabled: true });

    // recordEvents' types by seq: 1 created, 2 payment_confirmed, 3 shipped, 4 delivered.
    const escrow = newEscrowId();
    await recordEvents(db.sql, platform.id, escrow, [1, 2, 3]);
    await eventually(() =>
      expect(receiver.accepted().map((r) => r.type)).toEqual(['escrow.payment_confirmed']),
    );

    const second = await startReceiver();
    receivers.push(second);
    second.secret = receiver.secret;
    const patched = await call('PATCH', `/v1/webhook-endpoints/${id}`, platform.key, {
      url: second.url,
      eventTypes: null,
    });
    expect(patched.status, JSON.stringify(patched.json)).toBe(200);
    expect(patched.json).toMatchObject({ id, url: second.url, eventTypes: null });
    await recordEvents(db.sql, platform.id, escrow, [4, 5]);
    await eventually(() => expect(second.accepted().map((r) => r.seq)).toEqual([4, 5]));
    expect(second.requests.every((r) => r.signatureValid)).toBe(true);

    expect((await call('PATCH', `/v1/webhook-endpoints/${id}`, platform.key, {})).status).toBe(422);
    const bad = await call('PATCH', `/v1/webhook-endpoints/${id}`, platform.key, {
      eventTypes: ['shipped'],
    });
    expect(bad.status).toBe(422);
    const other = await newPlatform();
    expect((await call('GET', `/v1/webhook-endpoints/${id}`, other.key)).status).toBe(404);
    expect(
      (await call('PATCH', `/v1/webhook-endpoints/${id}`, other.key, { eventTypes: null })).status,
    ).toBe(404);
  });

  it('disable, enable and delete', async () => {
    const { platform, receiver, id } = await withEndpoint();
    const escrow = newEscrowId();
    const disabled = await call('POST', `/v1/webhook-endpoints/${id}/disable`, platform.key);
    expect(disabled.status).toBe(200);
    expect(disabled.json).toMatchObject({
      enabled: false,
      disabledReason: 'disabled by the platform',
    });
    await recordEvents(db.sql, platform.id, escrow, [1, 2]);
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.requests).toEqual([]);

    const enabled = await call('POST', `/v1/webhook-endpoints/${id}/enable`, platform.key);
    expect(enabled.status).toBe(200);
    expect(enabled.json).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null });
    await recordEvents(db.sql, platform.id, escrow, [3]);
    await eventually(() => expect(receiver.accepted().map((r) => r.seq)).toEqual([3]));

    expect((await call('DELETE', `/v1/webhook-endpoints/${id}`, platform.key)).status).toBe(204);
    expect((await call('GET', `/v1/webhook-endpoints/${id}`, platform.key)).status).toBe(404);
    expect((await call('DELETE', `/v1/webhook-endpoints/${id}`, platform.key)).status).toBe(404);
    expect((await call('POST', `/v1/webhook-endpoints/${id}/enable`, platform.key)).status).toBe(
      404,
    );
    const listed = await call('GET', '/v1/webhook-endpoints', platform.key);
    expect(listed.json.data).toEqual([]);
    await recordEvents(db.sql, platform.id, escrow, [4]);
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.requests.map((r) => r.seq)).toEqual([3]);
  });

  it('sends a signed test event on request and says what the endpoint answered', async () => {
    const { platform, receiver, id, secret } = await withEndpoint();
    const sent = await call('POST', `/v1/webhook-endpoints/${id}/test`, platform.key);
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
    expect(sent.json).toMatchObject({ type: 'webhook.test', succeeded: true, statusCode: 200 });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    if (!request) throw new Error('no test event');
    expect(request.type).toBe('webhook.test');
    expect(request.webhookId).toBe(sent.json.eventId);
    expect(verifies(secret, request)).toBe(true);

    receiver.answer = () => 500;
    const failing = await call('POST', `/v1/webhook-endpoints/${id}/test`, platform.key);
    expect(failing.json).toMatchObject({ succeeded: false, statusCode: 500 });
  });

  it('rotates the secret mid-stream: both signatures during the overlap, then only the new', async () => {
    const { platform, receiver, id, secret: oldSecret } = await withEndpoint();
    const escrow = newEscrowId();
    await recordEvents(db.sql, platform.id, escrow, range(1, 3));
    await eventually(() => expect(receiver.accepted()).toHaveLength(3));

    const rotated = await call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, platform.key, {
      overlap: 'PT3S',
    });
    expect(rotated.status, JSON.stringify(rotated.json)).toBe(200);
    const newSecret: string = rotated.json.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const overlapEnds = Date.parse(rotated.json.previousSecretExpiresAt);
    expect(overlapEnds).toBeGreaterThan(Date.now());
    expect((await call('GET', `/v1/webhook-endpoints/${id}`, platform.key)).json).toMatchObject({
      previousSecretExpiresAt: rotated.json.previousSecretExpiresAt,
    });

    await recordEvents(db.sql, platform.id, escrow, range(4, 6));
    await eventually(() => expect(receiver.accepted()).toHaveLength(6));
    await new Promise((r) => setTimeout(r, Math.max(0, overlapEnds - Date.now()) + 200));
    await recordEvents(db.sql, platform.id, escrow, range(7, 9));
    await eventually(() => expect(receiver.accepted()).toHaveLength(9));

    const bySeq = (seq: number) => {
      const request = receiver.requests.find((r) => r.seq === seq);
      if (!request) throw new Error(`seq ${seq} not received`);
      return request;
    };
    for (const seq of range(1, 3)) {
      expect(verifies(oldSecret, bySeq(seq)), `seq ${seq} old`).toBe(true);
      expect(verifies(newSecret, bySeq(seq)), `seq ${seq} new`).toBe(false);
    }
    for (const seq of range(4, 6)) {
      const request = bySeq(seq);
      expect(request.headers['webhook-signature'].split(' ')).toHaveLength(2);
      expect(verifies(oldSecret, request), `seq ${seq} old`).toBe(true);
      expect(verifies(newSecret, request), `seq ${seq} new`).toBe(true);
    }
    for (const seq of range(7, 9)) {
      const request = bySeq(seq);
      expect(request.headers['webhook-signature'].split(' ')).toHaveLength(1);
      expect(verifies(oldSecret, request), `seq ${seq} old`).toBe(false);
      expect(verifies(newSecret, request), `seq ${seq} new`).toBe(true);
    }

    const noOverlap = await call(
      'POST',
      `/v1/webhook-endpoints/${id}/rotate-secret`,
      platform.key,
      {
        overlap: 'PT0S',
      },
    );
    expect(noOverlap.json.previousSecretExpiresAt).toBeNull();
    for (const overlap of ['P8D', '1 day', 'PT-1S']) {
      const refused = await call(
        'POST',
        `/v1/webhook-endpoints/${id}/rotate-secret`,
        platform.key,
        {
          overlap,
        },
      );
      expect(refused.status, overlap).toBe(422);
    }
  });
});

describe('webhook URLs (SSRF)', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://169.254.1.1/hooks',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://metadata.google.internal./x',
    'http://[fe80::1]/hooks',
    'http://[fd00:ec2::254]/latest',
    'http://[::ffff:169.254.169.254]/latest',
    'http://100.100.100.200/latest',
  ])('refuses %s in every mode', async (url) => {
    const platform = await newPlatform();
    for (const on of [app, strictApp]) {
      const reply = await call('POST', '/v1/webhook-endpoints', platform.key, { url }, on);
      expect(reply.status, url).toBe(422);
      expect(reply.json.errors[0]).toMatchObject({ field: 'body.url' });
    }
    // A PATCH is checked the same way.
    const created = await call('POST', '/v1/webhook-endpoints', platform.key, {
      url: 'http://127.0.0.1:9/hooks',
    });
    expect(created.status).toBe(201);
    const patched = await call('PATCH', `/v1/webhook-endpoints/${created.json.id}`, platform.key, {
      url,
    });
    expect(patched.status).toBe(422);
  });

  it.each([
    'http://hooks.example.com/escrow',
    'https://localhost/hooks',
    'https://127.0.0.1/hooks',
    'https://10.1.2.3/hooks',
    'https://172.16.0.9/hooks',
    'https://192.168.1.1/hooks',
    'https://100.64.0.1/hooks',
    'https://0.0.0.0/hooks',
    'https://[::1]/hooks',
    'https://[fd12:3456::1]/hooks',
  ])('production refuses %s at registration (https only, no loopback or private)', async (url) => {
    const platform = await newPlatform();
    const strict = await call('POST', '/v1/webhook-endpoints', platform.key, { url }, strictApp);
    expect(strict.status, JSON.stringify(strict.json)).toBe(422);
  });

  it('production refuses a name that resolves to loopback, at registration and at connect', async () => {
    // Registration: `localhost` resolves to 127.0.0.1 (refused by the lookup as well as by name).
    expect(await urlRefusal('https://localhost:8443/hooks', 'strict')).toMatch(/loopback/);
    expect(
      await urlRefusal('https://loop.example/hooks', 'strict', async () => [
        { address: '127.0.0.1', family: 4 },
      ]),
    ).toMatch(/127\.0\.0\.1/);

    // Connect time: a receiver on loopback, reached by name, is never connected to.
    const receiver = await startReceiver();
    receivers.push(receiver);
    const port = new URL(receiver.url).port;
    const attempt = await sendWebhook({
      url: `https://localhost:${port}/hooks`,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'evt_x',
      body: '{}',
      timeoutMs: 2_000,
      urlPolicy: 'strict',
    });
    expect(attempt.statusCode).toBeUndefined();
    expect(attempt.error).toMatch(/refused/);

    // DNS rebinding: public when registered, loopback when the delivery connects.
    let answers = 0;
    const rebinding = async () => [
      { address: answers++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 },
    ];
    expect(await urlRefusal(`https://rebind.example:${port}/hooks`, 'strict', rebinding)).toBe(
      undefined,
    );
    const rebound = await sendWebhook({
      url: `https://rebind.example:${port}/hooks`,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'evt_y',
      body: '{}',
      timeoutMs: 2_000,
      urlPolicy: 'strict',
      lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]),
    });
    expect(rebound.error).toMatch(/refused to connect: rebind\.example resolves to 127\.0\.0\.1/);
    // In every mode, a name that resolves to the metadata address at connect time.
    const metadata = await sendWebhook({
      url: `http://innocent.example:${port}/hooks`,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'evt_z',
      body: '{}',
      timeoutMs: 2_000,
      lookup: (_host, _options, callback) =>
        callback(null, [{ address: '169.254.169.254', family: 4 }]),
    });
    expect(metadata.error).toMatch(/metadata/);
    expect(receiver.requests).toEqual([]);

    // The dispatcher in production mode records the refusal as the attempt's error.
    const platform = await newPlatform();
    await createEndpoint(db.sql, platform.id, `https://localhost:${port}/hooks`);
    const dispatcher = testDispatcher(db.sql, { urlPolicy: 'strict', retrySchedule: [60_000] });
    dispatchers.push(dispatcher);
    await recordEvents(db.sql, platform.id, newEscrowId(), [1]);
    await eventually(async () => {
      const [row] = await db.sql<{ last_error: string | null }[]>`
        select last_error from webhook_deliveries where platform_id = ${platform.id}`;
      expect(row?.last_error).toMatch(/refused/);
    });
    expect(receiver.requests).toEqual([]);
  });

  it('classifies addresses', () => {
    expect(addressRefusal('169.254.169.254', 'standard')).toBeDefined();
    expect(addressRefusal('::ffff:a9fe:a9fe', 'standard')).toBeDefined();
    expect(addressRefusal('127.0.0.1', 'standard')).toBeUndefined();
    expect(addressRefusal('127.0.0.1', 'strict')).toBeDefined();
    expect(addressRefusal('::ffff:10.0.0.1', 'strict')).toBeDefined();
    expect(addressRefusal('100.127.255.255', 'strict')).toBeDefined();
    expect(addressRefusal('100.128.0.1', 'strict')).toBeUndefined();
    expect(addressRefusal('93.184.216.34', 'strict')).toBeUndefined();
    expect(addressRefusal('2606:2800:220:1::1', 'strict')).toBeUndefined();
  });
});
