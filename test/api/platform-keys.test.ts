import { Client } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { defaultApiSettings } from '../../api/settings.js';
import { createLogger } from '../../infra/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/eventually.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
const settings = defaultApiSettings();

beforeAll(async () => {
  db = await createTestDatabase();
  app = createApp({
    sql: db.sql,
    temporal: new Client(),
    logger: createLogger({ level: 'silent', pretty: false }),
    providers: [],
    settings,
  });
});
afterAll(async () => {
  await db?.drop();
});

async function call(method: string, path: string, as: string | undefined, body?: unknown) {
  const response = await app.request(path, {
    method,
    headers: {
      ...(as ? { authorization: `Bearer ${as}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: bodies are checked field by field
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as any };
}

const createPlatform = async () => {
  const created = await call('POST', '/v1/platforms', settings.opsApiKey, { name: 'Shop' });
  expect(created.status).toBe(201);
  return created.json as { id: string; apiKey: string };
};

it('a platform holds two keys at once; both work; the revoked one gets 401', async () => {
  const platform = await createPlatform();
  const listed = await call('GET', `/v1/platforms/${platform.id}/keys`, platform.apiKey);
  expect(listed.status).toBe(200);
  expect(listed.json.data).toEqual([
    {
      id: `key_${platform.id.slice(4)}`,
      prefix: `sk_${platform.id}.`,
      createdAt: expect.any(String),
      lastUsedAt: expect.toBeOneOf([null, expect.any(String)]),
    },
  ]);
  const oldKeyId = listed.json.data[0].id;

  const added = await call('POST', `/v1/platforms/${platform.id}/keys`, platform.apiKey);
  expect(added.status, JSON.stringify(added.json)).toBe(201);
  const newKey: string = added.json.apiKey;
  expect(newKey).toMatch(new RegExp(`^sk_${platform.id}\\.`));
  expect(newKey.startsWith(added.json.prefix)).toBe(true);
  expect(added.json.prefix.length).toBe(`sk_${platform.id}.`.length + 4);

  for (const key of [platform.apiKey, newKey]) {
    expect((await call('GET', '/v1/webhook-endpoints', key)).status).toBe(200);
  }
  const both = await call('GET', `/v1/platforms/${platform.id}/keys`, newKey);
  expect(both.json.data.map((k: { id: string }) => k.id)).toEqual([oldKeyId, added.json.id]);
  expect(JSON.stringify(both.json)).not.toContain(newKey.slice(-20));
  await eventually(async () => {
    const again = await call('GET', `/v1/platforms/${platform.id}/keys`, newKey);
    expect(again.json.data[1].lastUsedAt).not.toBeNull();
  });

  // A third is refused; so is revoking the last one.
  const third = await call('POST', `/v1/platforms/${platform.id}/keys`, settings.opsApiKey);
  expect(third.status).toBe(409);

  const revoked = await call('DELETE', `/v1/platforms/${platform.id}/keys/${oldKeyId}`, newKey);
  expect(revoked.status).toBe(204);
  expect((await call('GET', '/v1/webhook-endpoints', platform.apiKey)).status).toBe(401);
  expect((await call('GET', '/v1/webhook-endpoints', newKey)).status).toBe(200);
  const [row] = await db.sql<{ api_key_sha256: Buffer | null }[]>`
    select api_key_sha256 from platforms where id = ${platform.id}`;
  expect(row?.api_key_sha256).toBeNull();

  const last = await call('DELETE', `/v1/platforms/${platform.id}/keys/${added.json.id}`, newKey);
  expect(last.status).toBe(409);
  expect(
    (await call('DELETE', `/v1/platforms/${platform.id}/keys/${oldKeyId}`, newKey)).status,
  ).toBe(404);
  // Ops may manage any platform's keys; another platform sees none of them.
  expect((await call('GET', `/v1/platforms/${platform.id}/keys`, settings.opsApiKey)).status).toBe(
    200,
  );
  const other = await createPlatform();
  expect((await call('GET', `/v1/platforms/${platform.id}/keys`, other.apiKey)).status).toBe(404);
  expect((await call('POST', `/v1/platforms/${platform.id}/keys`, other.apiKey)).status).toBe(404);
});

it('a replayed key creation does not show the key again', async () => {
  const platform = await createPlatform();
  const send = () =>
    app.request(`/v1/platforms/${platform.id}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.apiKey}`, 'idempotency-key': 'rotate-1' },
    });
  const first = (await (await send()).json()) as { id: string; apiKey?: string };
  const replay = (await (await send()).json()) as { id: string; apiKey?: string };
  expect(first.apiKey).toMatch(/^sk_/);
  expect(replay.id).toBe(first.id);
  expect(replay.apiKey).toBeUndefined();
  const listed = await call('GET', `/v1/platforms/${platform.id}/keys`, first.apiKey as string);
  expect(listed.json.data).toHaveLength(2);
});
