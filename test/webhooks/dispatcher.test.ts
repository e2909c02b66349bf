import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import { createEndpoint } from '../../webhooks/endpoints.js';
import { fanOut } from '../../webhooks/fanout.js';
import { claimDue } from '../../webhooks/queue.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/eventually.js';
import { deliveriesOf, newEscrowId, range, recordEvents, testDispatcher } from './outbox.js';
import { type Receiver, startReceiver } from './receiver.js';

let db: TestDatabase;
const receivers: Receiver[] = [];
const dispatchers: WebhookDispatcher[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ max: 20 });
});
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  // Each test starts with no endpoint of an earlier one left to deliver to.
  await db.sql`update webhook_endpoints set enabled = false, disabled_at = now() where enabled`;
});
afterAll(async () => {
  await db?.drop();
});

const newPlatform = () => `plt_${randomBytes(6).toString('hex')}`;

/** A receiver registered as an endpoint of the platform, verifying with the endpoint's secret. */
async function endpointFor(platformId: string) {
  const receiver = await startReceiver();
  receivers.push(receiver);
  const endpoint = await createEndpoint(db.sql, platformId, receiver.url);
  receiver.secret = endpoint.secret;
  return { receiver, endpoint };
}

function run(options: Parameters<typeof testDispatcher>[1] = {}) {
  const dispatcher = testDispatcher(db.sql, options);
  dispatchers.push(dispatcher);
  return dispatcher;
}

/** Waits until every delivery of the endpoint has succeeded: then nothing more is sent. */
async function allSucceeded(endpointId: string, count: number) {
  await eventually(async () => {
    const rows = await deliveriesOf(db.sql, endpointId);
    expect(rows.filter((r) => r.status === 'succeeded')).toHaveLength(count);
  });
  return deliveriesOf(db.sql, endpointId);
}

/** Every escrow's accepted events, in the order the receiver accepted them. */
function acceptedByEscrow(receiver: Receiver) {
  const byEscrow = new Map<string, number[]>();
  for (const r of receiver.accepted()) {
    byEscrow.set(r.escrowId, [...(byEscrow.get(r.escrowId) ?? []), r.seq]);
  }
  return byEscrow;
}

describe('webhook dispatcher', () => {
  it('delivers every event once, signed, to each enabled endpoint of its own platform only', async () => {
    const platform = newPlatform();
    const other = newPlatform();
    const a1 = await endpointFor(platform);
    const a2 = await endpointFor(platform);
    const b = await endpointFor(other);
    const escrows = [newEscrowId(), newEscrowId(), newEscrowId()];
    const otherEscrow = newEscrowId();
    for (const id of escrows) await recordEvents(db.sql, platform, id, range(1, 4));
    await recordEvents(db.sql, other, otherEscrow, range(1, 2));

    run();
    await eventually(() => {
      expect(a1.receiver.accepted()).toHaveLength(12);
      expect(a2.receiver.accepted()).toHaveLength(12);
      expect(b.receiver.accepted()).toHaveLength(2);
    });

    for (const { receiver } of [a1, a2, b]) {
      expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
      expect(receiver.orderViolations).toEqual([]);
      expect(receiver.maxConcurrentPerEscrow).toBe(1);
      // webhook-id is the event id, the receiver's deduplication key.
      expect(receiver.requests.every((r) => r.webhookId === `evt_${r.escrowId}_${r.seq}`)).toBe(
        true,
      );
    }
    for (const { receiver } of [a1, a2]) {
      expect(acceptedByEscrow(receiver)).toEqual(new Map(escrows.map((id) => [id, [1, 2, 3, 4]])));
    }
    expect(acceptedByEscrow(b.receiver)).toEqual(new Map([[otherEscrow, [1, 2]]]));

    // The receiver answers before the dispatcher records the result: wait for the record.
    const rows = await allSucceeded(a1.endpoint.id, 12);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    const [history] = await db.sql<{ n: number; ok: number }[]>`
      select count(*)::int as n, count(*) filter (where status_code = 200)::int as ok
        from webhook_delivery_attempts a join webhook_deliveries d on d.id = a.delivery_id
       where d.endpoint_id = ${a1.endpoint.id}`;
    expect(history).toEqual({ n: 12, ok: 12 });
  });

  it('an endpoint registered later receives the events recorded from its creation on', async () => {
    const platform = newPlatform();
    const first = await endpointFor(platform);
    const escrow = newEscrowId();
    await recordEvents(db.sql, platform, escrow, [1, 2]);
    run();
    await eventually(() => expect(first.receiver.accepted()).toHaveLength(2));

    const late = await endpointFor(platform);
    await recordEvents(db.sql, platform, escrow, [3]);
    await eventually(() => {
      expect(first.receiver.accepted().map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(late.receiver.accepted().map((r) => r.seq)).toEqual([3]);
    });
    expect(late.receiver.requests.every((r) => r.signatureValid)).toBe(true);
  });

  it('an endpoint that is down for a while (503, then refusing connections) gets every event, in order per escrow', async () => {
    const platform = newPlatform();
    const { receiver, endpoint } = await endpointFor(platform);
    const escrows = range(1, 5).map(() => newEscrowId());
    for (const id of escrows) await recordEvents(db.sql, platform, id, range(1, 3));

    // Phase 1: up but failing.
    receiver.answer = () => 503;
    run();
    await eventually(() => expect(receiver.requests.length).toBeGreaterThanOrEqual(10));
    // Phase 2: gone from the network; events keep coming.
    await receiver.down();
    for (const id of escrows) await recordEvents(db.sql, platform, id, range(4, 6));
    await eventually(async () => {
      const [row] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from webhook_delivery_attempts a
          join webhook_deliveries d on d.id = a.delivery_id
         where d.endpoint_id = ${endpoint.id} and a.error like '%ECONNREFUSED%'`;
      expect(row?.n).toBeGreaterThanOrEqual(5);
    });
    expect(receiver.accepted()).toHaveLength(0);
    // Phase 3: back.
    receiver.answer = () => 200;
    await receiver.up();
    await eventually(() => expect(receiver.accepted()).toHaveLength(30));

    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
    expect(receiver.orderViolations).toEqual([]);
    expect(acceptedByEscrow(receiver)).toEqual(
      new Map(escrows.map((id) => [id, [1, 2, 3, 4, 5, 6]])),
    );
    // While the first event of an escrow was failing, nothing later of that escrow was sent.
    for (const id of escrows) {
      const seqs = receiver.requests.filter((r) => r.escrowId === id).map((r) => r.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    const rows = await allSucceeded(endpoint.id, 30);
    expect(rows.filter((r) => r.seq === 1).every((r) => r.attempts > 1)).toBe(true);
    const errors = await db.sql<{ status_code: number | null; error: string | null }[]>`
      select a.status_code, a.error from webhook_delivery_attempts a
        join webhook_deliveries d on d.id = a.delivery_id where d.endpoint_id = ${endpoint.id}`;
    expect(errors.some((e) => e.status_code === 503)).toBe(true);
    expect(errors.some((e) => e.status_code === null && e.error?.includes('ECONNREFUSED'))).toBe(
      true,
    );
  });

  it('retries with the configured backoff and gives up after the schedule; the next event then goes', async () => {
    const platform = newPlatform();
    const { receiver, endpoint } = await endpointFor(platform);
    const escrow = newEscrowId();
    await recordEvents(db.sql, platform, escrow, [1, 2]);
    receiver.answer = (r) => (r.seq === 1 ? 500 : 204);
    run({ retrySchedule: [100, 300] });

    await eventually(() => expect(receiver.accepted().map((r) => r.seq)).toEqual([2]));
    const seq1 = receiver.requests.filter((r) => r.seq === 1);
    expect(seq1).toHaveLength(3);
    // Gaps follow the schedule (at least the configured delay).
    expect((seq1[1]?.at ?? 0) - (seq1[0]?.at ?? 0)).toBeGreaterThanOrEqual(90);
    expect((seq1[2]?.at ?? 0) - (seq1[1]?.at ?? 0)).toBeGreaterThanOrEqual(290);
    // seq 2 only after seq 1 was given up.
    const seq2At = receiver.requests.find((r) => r.seq === 2)?.at ?? 0;
    expect(seq2At).toBeGreaterThanOrEqual(seq1[2]?.at ?? Number.POSITIVE_INFINITY);

    await eventually(async () => {
      const rows = await db.sql<
        {
          seq: number;
          status: string;
          attempts: number;
          last_status_code: number;
          next: Date | null;
        }[]
      >`select seq, status, attempts, last_status_code, next_attempt_at as next
          from webhook_deliveries where endpoint_id = ${endpoint.id} order by seq`;
      expect(rows).toEqual([
        { seq: 1, status: 'failed', attempts: 3, last_status_code: 500, next: null },
        { seq: 2, status: 'succeeded', attempts: 1, last_status_code: 204, next: null },
      ]);
    });
    const history = await db.sql<{ attempt: number; status_code: number; error: string }[]>`
      select attempt, status_code, error from webhook_delivery_attempts a
        join webhook_deliveries d on d.id = a.delivery_id
       where d.endpoint_id = ${endpoint.id} and d.seq = 1 order by attempt`;
    expect(history).toEqual(
      [1, 2, 3].map((attempt) => ({
        attempt,
        status_code: 500,
        error: 'endpoint answered HTTP 500',
      })),
    );
  });

  it('a request that outlives the timeout is a failed attempt, retried', async () => {
    const platform = newPlatform();
    const { receiver, endpoint } = await endpointFor(platform);
    const escrow = newEscrowId();
    await recordEvents(db.sql, platform, escrow, [1]);
    receiver.answer = () => (receiver.requests.length === 1 ? 'hang' : 200);
    run({ timeoutMs: 1_000 });

    await eventually(() => expect(receiver.accepted()).toHaveLength(1));
    await allSucceeded(endpoint.id, 1);
    const history = await db.sql<
      { attempt: number; status_code: number | null; error: string | null }[]
    >`
      select attempt, status_code, error from webhook_delivery_attempts a
        join webhook_deliveries d on d.id = a.delivery_id
       where d.endpoint_id = ${endpoint.id} order by attempt`;
    // On a busy machine a later answer may be slow too: every attempt but the last timed out.
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history.at(-1)).toEqual({ attempt: history.length, status_code: 200, error: null });
    for (const [i, attempt] of history.slice(0, -1).entries()) {
      expect(attempt).toEqual({
        attempt: i + 1,
        status_code: null,
        error: 'timed out after 1000 ms',
      });
    }
  });

  it('410 Gone disables the endpoint, gives up its queued deliveries and sends it nothing more', async () => {
    const platform = newPlatform();
    const gone = await endpointFor(platform);
    const kept = await endpointFor(platform);
    gone.receiver.answer = () => 410;
    const escrow = newEscrowId();
    await recordEvents(db.sql, platform, escrow, range(1, 4));
    run();

    await eventually(async () => {
      const [row] = await db.sql<{ enabled: boolean; disabled_reason: string | null }[]>`
        select enabled, disabled_reason from webhook_endpoints where id = ${gone.endpoint.id}`;
      expect(row?.enabled).toBe(false);
      expect(row?.disabled_reason).toContain('410');
      expect(kept.receiver.accepted()).toHaveLength(4);
    });
    await eventually(async () => {
      const rows = await deliveriesOf(db.sql, gone.endpoint.id);
      expect(rows.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    });
    expect(gone.receiver.requests.map((r) => r.seq)).toEqual([1]);

    // Later events are not even queued for it.
    await recordEvents(db.sql, platform, escrow, [5]);
    await eventually(() => expect(kept.receiver.accepted()).toHaveLength(5));
    expect(await deliveriesOf(db.sql, gone.endpoint.id)).toHaveLength(4);
    expect(gone.receiver.requests).toHaveLength(1);
  });

  it("an endpoint that hangs does not hold up another platform's endpoint", async () => {
    const slow = await endpointFor(newPlatform());
    const fast = await endpointFor(newPlatform());
    slow.receiver.answer = () => 'hang';
    const slowPlatform = slow.endpoint.platformId;
    for (const _ of range(1, 10)) await recordEvents(db.sql, slowPlatform, newEscrowId(), [1]);
    // The hanging requests outlive the test: the fast endpoint must not wait for them.
    run({ concurrency: 4, perEndpointConcurrency: 2, timeoutMs: 120_000 });
    await eventually(() => expect(slow.receiver.requests.length).toBe(2));

    await recordEvents(db.sql, fast.endpoint.platformId, newEscrowId(), range(1, 3));
    await eventually(() => expect(fast.receiver.accepted()).toHaveLength(3));
    // Both slow requests still hang, and never more than two at once went to that endpoint.
    expect(slow.receiver.requests).toHaveLength(2);
    expect(slow.receiver.requests.every((r) => r.answered === 0)).toBe(true);
    // Let the hanging requests go, so stopping the dispatcher need not wait out their timeout.
    await slow.receiver.close();
  });

  it('two dispatchers side by side never send the same attempt twice, and keep the order', async () => {
    const platform = newPlatform();
    const { receiver, endpoint } = await endpointFor(platform);
    const escrows = range(1, 20).map(() => newEscrowId());
    for (const id of escrows) await recordEvents(db.sql, platform, id, range(1, 5));
    receiver.answer = () => ({ status: 200, delayMs: 5 + Math.floor(Math.random() * 10) });

    const calls = [0, 0];
    const counting =
      (i: 0 | 1): typeof fetch =>
      (input, init) => {
        calls[i] = (calls[i] ?? 0) + 1;
        return fetch(input, init);
      };
    run({ concurrency: 4, fetch: counting(0) });
    run({ concurrency: 4, fetch: counting(1) });

    await eventually(() => expect(receiver.accepted()).toHaveLength(100));
    // Every delivery recorded as done: nothing else can be sent.
    const rows = await allSucceeded(endpoint.id, 100);
    expect(receiver.requests).toHaveLength(100);
    expect(new Set(receiver.requests.map((r) => r.webhookId)).size).toBe(100);
    expect(receiver.orderViolations).toEqual([]);
    expect(receiver.maxConcurrentPerEscrow).toBe(1);
    expect(acceptedByEscrow(receiver)).toEqual(new Map(escrows.map((id) => [id, [1, 2, 3, 4, 5]])));
    expect(calls[0]).toBeGreaterThan(0);
    expect(calls[1]).toBeGreaterThan(0);
    expect((calls[0] ?? 0) + (calls[1] ?? 0)).toBe(100);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
  });

  it('a dispatcher stopped mid-way loses nothing: a new one delivers the rest, exactly once', async () => {
    const platform = newPlatform();
    const { receiver, endpoint } = await endpointFor(platform);
    const escrows = range(1, 10).map(() => newEscrowId());
    for (const id of escrows) await recordEvents(db.sql, platform, id, range(1, 5));
    receiver.answer = () => ({ status: 200, delayMs: 20 });

    const first = run({ concurrency: 3 });
    await eventually(() => expect(receiver.accepted().length).toBeGreaterThanOrEqual(10));
    await first.stop();
    const deliveredBefore = receiver.accepted().length;
    expect(deliveredBefore).toBeLessThan(50);
    // Events recorded while no dispatcher runs wait in Postgres.
    for (const id of escrows) await recordEvents(db.sql, platform, id, [6]);
    expect(receiver.accepted()).toHaveLength(deliveredBefore);

    run({ concurrency: 3 });
    await eventually(() => expect(receiver.accepted()).toHaveLength(60));
    const rows = await allSucceeded(endpoint.id, 60);
    expect(receiver.requests).toHaveLength(60);
    expect(receiver.orderViolations).toEqual([]);
    expect(acceptedByEscrow(receiver)).toEqual(
      new Map(escrows.map((id) => [id, [1, 2, 3, 4, 5, 6]])),
    );
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
  });

  it('a claim left behind by a process that died mid-attempt is taken over once its lease runs out', async () => {
    const platform = newPlatform();
    const { receiver, endpoint } = await endpointFor(platform);
    const escrow = newEscrowId();
    await recordEvents(db.sql, platform, escrow, [1, 2]);
    // What a dispatcher does before sending; it then "dies": no result is ever recorded.
    await fanOut(db.sql);
    const claimed = await claimDue(db.sql, { limit: 10, leaseMs: 400 });
    expect(claimed.map((c) => c.seq)).toEqual([1]);

    const claimedAt = Date.now();
    run({ leaseMs: 400 });
    await eventually(() => expect(receiver.accepted().map((r) => r.seq)).toEqual([1, 2]));
    // Not before the lease ran out; seq 2 not before seq 1.
    expect((receiver.requests[0]?.at ?? 0) - claimedAt).toBeGreaterThanOrEqual(300);
    expect(receiver.orderViolations).toEqual([]);
    const history = await db.sql<
      { attempt: number; status_code: number | null; error: string | null }[]
    >`
      select attempt, status_code, error from webhook_delivery_attempts a
        join webhook_deliveries d on d.id = a.delivery_id
       where d.endpoint_id = ${endpoint.id} and d.seq = 1 order by attempt`;
    expect(history).toEqual([
      {
        attempt: 1,
        status_code: null,
        error: 'no result recorded: the dispatcher stopped during this attempt',
      },
      { attempt: 2, status_code: 200, error: null },
    ]);
  });
});

describe('webhook dispatcher housekeeping', () => {
  it('gives up what a disabled endpoint still had open, including a claim of a process that died', async () => {
    const platform = newPlatform();
    const { receiver, endpoint } = await endpointFor(platform);
    const [e1, e2] = [newEscrowId(), newEscrowId()];
    await recordEvents(db.sql, platform, e1, [1]);
    await fanOut(db.sql);
    // A process claims e1's event and dies; then the endpoint is disabled (410 on another path).
    expect((await claimDue(db.sql, { limit: 10, leaseMs: 100 })).map((c) => c.escrowId)).toEqual([
      e1,
    ]);
    await recordEvents(db.sql, platform, e2, [1]);
    await fanOut(db.sql);
    await db.sql`
      update webhook_endpoints set enabled = false, disabled_at = now(), disabled_reason = 'test'
       where id = ${endpoint.id}`;
    // The dead process's claim must have lapsed for the housekeeping to reach it.
    await eventually(async () => {
      const [row] = await db.sql<{ lapsed: boolean }[]>`
        select bool_and(lease_until < now()) as lapsed from webhook_deliveries
         where endpoint_id = ${endpoint.id} and status = 'delivering'`;
      expect(row?.lapsed).toBe(true);
    });

    run();
    await eventually(async () => {
      const rows = await deliveriesOf(db.sql, endpoint.id);
      expect(rows.map((r) => [r.escrow_id, r.status])).toEqual(
        [
          [e1, 'failed'],
          [e2, 'failed'],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    });
    expect(receiver.requests).toHaveLength(0);
  });
});
