import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { freePort } from '../../devstack/ports.js';
import { spawnService, waitForHttp } from '../../devstack/services.js';
import { stopChild } from '../../devstack/watchdog.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

// Two API processes (the production entry point, each with its own Postgres pool) on one
// database, with low limits: the count is shared, so a burst spread over both is cut at the limit.
const PLATFORM_LIMIT = 6;
const IP_LIMIT = 4;
const OPS_KEY = 'ops_rate_limit_test_key_0123456789';

let db: TestDatabase;
const apis: { url: string; child: ChildProcess }[] = [];

async function startApi(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawnService(
    'api/main.ts',
    {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '2',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      OPS_API_KEY: OPS_KEY,
      RATE_LIMIT_PLATFORM_PER_MINUTE: String(PLATFORM_LIMIT),
      RATE_LIMIT_IP_PER_MINUTE: String(IP_LIMIT),
    },
    (line) => output.push(line),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/healthz`, 60_000, child);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${output.join('\n')}`);
  }
  return { url, child };
}

beforeAll(async () => {
  db = await createTestDatabase();
  apis.push(...(await Promise.all([startApi(), startApi()])));
}, 120_000);
afterAll(async () => {
  await Promise.all(apis.map((api) => stopChild(api.child)));
  await db?.drop();
});

const get = (base: string, path: string, token?: string) =>
  fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** Starts a burst early in a window, so the window does not turn in the middle of it. */
async function freshWindow(): Promise<void> {
  const [row] = await db.sql<{ s: number }[]>`select extract(second from now())::float8 as s`;
  const second = row?.s ?? 0;
  if (second > 40) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
}

it('two API processes share each platform’s count: over the limit is a 429 with Retry-After', async () => {
  const [a, b] = apis as [(typeof apis)[0], (typeof apis)[0]];
  const create = async () => {
    const reply = await fetch(`${a.url}/v1/platforms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPS_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Busy shop' }),
    });
    expect(reply.status).toBe(201);
    return ((await reply.json()) as { apiKey: string }).apiKey;
  };
  const [busy, calm] = [await create(), await create()];
  await freshWindow();

  const remaining: string[] = [];
  for (let i = 0; i < PLATFORM_LIMIT; i++) {
    const reply = await get((i % 2 === 0 ? a : b).url, '/v1/webhook-endpoints', busy);
    expect(reply.status, await reply.text()).toBe(200);
    expect(reply.headers.get('ratelimit-limit')).toBe(String(PLATFORM_LIMIT));
    expect(Number(reply.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    remaining.push(reply.headers.get('ratelimit-remaining') ?? '');
  }
  // One count across both processes: 5, 4, …, 0, not each process's own.
  expect(remaining).toEqual(['5', '4', '3', '2', '1', '0']);

  for (const api of [a, b]) {
    const refused = await get(api.url, '/v1/webhook-endpoints', busy);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-limit')).toBe(String(PLATFORM_LIMIT));
    const problem = (await refused.json()) as { type: string; status: number };
    expect(problem).toMatchObject({
      type: 'https://escrow.dev/problems/rate-limited',
      status: 429,
    });
  }
  // Another platform has its own budget; ops and health checks are not limited.
  expect((await get(b.url, '/v1/webhook-endpoints', calm)).status).toBe(200);
  expect((await get(a.url, '/v1/ledger/check', OPS_KEY)).status).toBe(200);
  for (let i = 0; i < 10; i++) expect((await get(b.url, '/healthz')).status).toBe(200);
});

it('requests without a valid credential are limited per client IP, across processes', async () => {
  const [a, b] = apis as [(typeof apis)[0], (typeof apis)[0]];
  await freshWindow();
  const statuses: number[] = [];
  for (let i = 0; i < IP_LIMIT + 2; i++) {
    const reply = await get((i % 2 === 0 ? a : b).url, '/v1/escrows', 'sk_not_a_key');
    statuses.push(reply.status);
    if (reply.status === 429) expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  // Unauthenticated routes outside /v1 share that IP's budget.
  expect((await get(a.url, '/openapi.json')).status).toBe(429);
});
