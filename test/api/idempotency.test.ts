import { createHash, randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createApp } from '../../api/app.js';
import { canonicalJson } from '../../infra/canonical-json.js';
import { createLogger } from '../../infra/logger.js';
import { workerTracing } from '../../infra/temporal-tracing.js';
import { claimIdempotencyKey, purgeExpiredIdempotencyKeys } from '../../store/idempotency.js';
import { eventually } from '../support/eventually.js';
import { testDataConverter } from '../support/temporal.js';
import { escrowBody, expectProblem, useApiHarness } from './harness.js';

const api = useApiHarness();

const escrowsWithReference = async (reference: string) => {
  const [row] = await api.h.db.sql<{ n: number }[]>`
    select count(*)::int as n from escrows where reference = ${reference}`;
  return row?.n;
};

const workflowsOf = async (escrowIds: string[]) => {
  const ids = new Set<string>();
  for await (const wf of api.h.temporal.client.workflow.list({
    query: `PlatformId = '${api.platform.id}'`,
  })) {
    if (escrowIds.some((id) => wf.workflowId === `escrow:${id}`)) ids.add(wf.runId);
  }
  return ids.size;
};

describe('Idempotency-Key on POST /v1/escrows', () => {
  it('50 concurrent identical creates: one escrow, one workflow, one payment link', async () => {
    const key = randomUUID();
    const body = escrowBody();
    const send = () =>
      api.h.call('POST', '/v1/escrows', { token: api.platform.apiKey, body, idempotencyKey: key });
    const first = await Promise.all(Array.from({ length: 50 }, send));
    for (const reply of first) expect([201, 409], reply.text).toContain(reply.status);
    for (const reply of first.filter((r) => r.status === 409)) {
      expectProblem(reply, 409, 'idempotency-key-in-use');
    }
    const created = first.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);

    // Every client retries its 409 until it gets the stored answer.
    const settled = await Promise.all(
      first.map(async (reply) => {
        let r = reply;
        while (r.status === 409) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          r = await send();
        }
        return r;
      }),
    );
    const ids = new Set(settled.map((r) => r.body.id));
    const links = new Set(settled.map((r) => r.body.payment.url));
    expect(settled.every((r) => r.status === 201)).toBe(true);
    expect(ids.size).toBe(1);
    expect(links.size).toBe(1);
    const replay = await send();
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(settled[0]?.body);

    expect(await escrowsWithReference(body.reference)).toBe(1);
    const [id] = [...ids] as [string];
    await eventually(async () => expect(await workflowsOf([id])).toBe(1));
    // Paying the one link funds the one escrow once.
    await api.h.fund({ id, payment: { url: [...links][0] as string } });
    const [funding] = await api.h.db.sql<{ n: number }[]>`
      select count(*)::int as n from ledger_entries where escrow_id = ${id} and kind = 'funding'`;
    expect(funding?.n).toBe(1);
  });

  it('the same key with a different body is refused with 422 and creates nothing', async () => {
    const key = randomUUID();
    const body = escrowBody();
    const first = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body,
      idempotencyKey: key,
    });
    expect(first.status).toBe(201);
    const other = escrowBody({ amount: 2_000_000 });
    const second = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body: other,
      idempotencyKey: key,
    });
    expectProblem(second, 422, 'idempotency-key-reused');
    expect(await escrowsWithReference(other.reference)).toBe(0);
  });

  it('keys belong to the credential: another platform may use the same key', async () => {
    const key = randomUUID();
    const other = await api.h.createPlatform('Other shop');
    const mine = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body: escrowBody(),
      idempotencyKey: key,
    });
    const theirs = await api.h.call('POST', '/v1/escrows', {
      token: other.apiKey,
      body: escrowBody(),
      idempotencyKey: key,
    });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.platformId).toBe(other.id);
  });

  it('a request refused by validation stores nothing: the key stays usable', async () => {
    const key = randomUUID();
    const bad = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body: escrowBody({ amount: -1 }),
      idempotencyKey: key,
    });
    expectProblem(bad, 422, 'validation-failed');
    const good = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body: escrowBody(),
      idempotencyKey: key,
    });
    expect(good.status, good.text).toBe(201);
  });

  it('a malformed key is a 400', async () => {
    const reply = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body: escrowBody(),
      idempotencyKey: 'x'.repeat(256),
    });
    expectProblem(reply, 400, 'invalid-idempotency-key');
  });

  it('keys are kept at least 24 hours; an expired key starts afresh', async () => {
    const key = randomUUID();
    const body = escrowBody();
    const first = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body,
      idempotencyKey: key,
    });
    const [row] = await api.h.db.sql<{ hours: number }[]>`
      select extract(epoch from expires_at - created_at) / 3600 as hours
        from idempotency_keys where key = ${key}`;
    expect(Number(row?.hours)).toBeGreaterThanOrEqual(24);
    await api.h.db
      .sql`update idempotency_keys set expires_at = now() - interval '1 second' where key = ${key}`;
    const again = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body,
      idempotencyKey: key,
    });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.id).not.toBe(first.body.id);
  });

  it('while the first request is in flight a duplicate gets 409; after a 503 the retry finishes the same escrow', async () => {
    // An API whose task queue has no worker yet: creating an escrow waits, then times out.
    const queue = `idem-${randomUUID()}`;
    const slowApp = createApp({
      sql: api.h.db.sql,
      temporal: api.h.temporal.client,
      logger: createLogger({ level: 'silent', pretty: false }),
      providers: [api.h.stack.provider],
      settings: { ...api.h.stack.apiSettings, taskQueue: queue, temporalTimeoutMs: 2_000 },
    });
    const key = randomUUID();
    const body = escrowBody();
    const request = () =>
      slowApp.request('/v1/escrows', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${api.platform.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
      });
    const slow = request();
    await eventually(async () => {
      const rows = await api.h.db.sql`select 1 from idempotency_keys where key = ${key}`;
      expect(rows).toHaveLength(1);
    });
    const duplicate = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body,
      idempotencyKey: key,
    });
    expectProblem(duplicate, 409, 'idempotency-key-in-use');
    expect(duplicate.headers.get('retry-after')).toBe('1');

    const timedOut = await slow;
    expect(timedOut.status).toBe(503);
    const [seed] = await api.h.db.sql<{ seed: string }[]>`
      select seed from idempotency_keys where key = ${key}`;

    const worker = await Worker.create({
      connection: api.h.temporal.nativeConnection,
      taskQueue: queue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      ...workerTracing(undefined),
      dataConverter: testDataConverter,
      activities: createActivities({
        sql: api.h.db.sql,
        provider: api.h.stack.provider,
        payouts: api.h.stack.payouts,
        temporal: api.h.temporal.client,
        taskQueue: queue,
      }),
    });
    const running = worker.run();
    try {
      const retried = await request();
      expect(retried.status).toBe(201);
      const created = (await retried.json()) as { id: string };
      expect(created.id).toBe(seed?.seed);
      expect(await escrowsWithReference(body.reference)).toBe(1);
      await eventually(async () => expect(await workflowsOf([created.id])).toBe(1));
    } finally {
      worker.shutdown();
      await running;
    }
  });
});

describe('a request whose process died while holding its key', () => {
  it('blocks duplicates until its lease lapses, then a retry creates the escrow it had chosen', async () => {
    const key = randomUUID();
    const body = escrowBody();
    const seed = 'esc_0123456789abcdef0123';
    const claim = await claimIdempotencyKey(api.h.db.sql, {
      tenant: `platform:${api.platform.id}`,
      key,
      method: 'POST',
      path: '/v1/escrows',
      requestSha256: createHash('sha256').update(canonicalJson(body)).digest(),
      seed,
      leaseMs: 60_000,
      ttlMs: 86_400_000,
    });
    expect(claim.kind).toBe('claimed');
    const send = () =>
      api.h.call('POST', '/v1/escrows', { token: api.platform.apiKey, body, idempotencyKey: key });
    expectProblem(await send(), 409, 'idempotency-key-in-use');
    await api.h.db.sql`
      update idempotency_keys set locked_until = now() - interval '1 second' where key = ${key}`;
    const retried = await send();
    expect(retried.status, retried.text).toBe(201);
    expect(retried.body.id).toBe(seed);
  });
});

describe('expired keys', () => {
  it('are purged', async () => {
    const key = randomUUID();
    await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body: escrowBody(),
      idempotencyKey: key,
    });
    await api.h.db
      .sql`update idempotency_keys set expires_at = now() - interval '1 second' where key = ${key}`;
    expect(await purgeExpiredIdempotencyKeys(api.h.db.sql)).toBeGreaterThanOrEqual(1);
    expect(await api.h.db.sql`select 1 from idempotency_keys where key = ${key}`).toHaveLength(0);
  });
});

describe('Idempotency-Key on other POSTs', () => {
  it('an action replays its answer and runs once', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey);
    await api.h.fund(escrow);
    const key = randomUUID();
    const ship = () =>
      api.h.call('POST', `/v1/escrows/${escrow.id}/ship`, {
        token: api.platform.apiKey,
        body: { carrier: 'GHN', trackingNumber: 'T-1' },
        idempotencyKey: key,
      });
    const first = await ship();
    expect(first.status, first.text).toBe(200);
    const before = await api.h.snapshot(escrow.id);
    const second = await ship();
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await api.h.snapshot(escrow.id)).toEqual(before);
  });

  it('a refusal after the request began (409) is stored and replayed too', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey);
    const key = randomUUID();
    const accept = () =>
      api.h.call('POST', `/v1/escrows/${escrow.id}/accept`, {
        token: api.platform.apiKey,
        idempotencyKey: key,
      });
    const first = await accept();
    expectProblem(first, 409, 'invalid-state');
    const second = await accept();
    expect(second.status).toBe(409);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });

  it('creating a platform: the replay does not show the API key again', async () => {
    const key = randomUUID();
    const create = () =>
      api.h.call('POST', '/v1/platforms', {
        token: api.h.opsKey,
        body: { name: 'Once' },
        idempotencyKey: key,
      });
    const first = await create();
    expect(first.status).toBe(201);
    expect(first.body.apiKey).toMatch(/^sk_plt_/);
    const second = await create();
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.apiKey).toBeUndefined();
    const stored = await api.h.db.sql<{ body: string }[]>`
      select response_body as body from idempotency_keys where key = ${key}`;
    expect(stored[0]?.body).not.toContain(first.body.apiKey);
  });
});
