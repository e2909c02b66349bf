import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { spawnService } from '../../devstack/services.js';
import { stopChild } from '../../devstack/watchdog.js';
import { createEndpoint } from '../../webhooks/endpoints.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/eventually.js';
import { deliveriesOf, newEscrowId, range, recordEvents } from './outbox.js';
import { type Receiver, startReceiver } from './receiver.js';

let db: TestDatabase;
const workers: ChildProcess[] = [];
const receivers: Receiver[] = [];
const taskQueue = `test-webhooks-${randomBytes(6).toString('hex')}`;

/** The production worker entry point as its own process; it runs the webhook dispatcher. */
function startWorkerProcess(): ChildProcess {
  const output: string[] = [];
  const child = spawnService(
    'worker/main.ts',
    {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      // Several workers at once across files: no metrics port (test/observability has one).
      WORKER_METRICS_PORT: '0',
      WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 50 }, () => 'PT0.1S').join(','),
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_POLL_INTERVAL_MS: '20',
      WEBHOOK_CONCURRENCY: '4',
    },
    (line) => output.push(line),
    // This very process is SIGKILLed, not a watchdog in front of it.
    { watched: false },
  );
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null)
      console.error(`worker exited ${code}:\n${output.join('\n')}`);
  });
  workers.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => stopChild(w)));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await db.sql`update webhook_endpoints set enabled = false, disabled_at = now() where enabled`;
});
afterAll(async () => {
  await db?.drop();
});

async function setUp(events: number, escrowCount: number) {
  const platformId = `plt_${randomBytes(6).toString('hex')}`;
  const receiver = await startReceiver();
  receivers.push(receiver);
  const endpoint = await createEndpoint(db.sql, platformId, receiver.url);
  receiver.secret = endpoint.secret;
  const escrows = range(1, escrowCount).map(() => newEscrowId());
  for (const id of escrows) await recordEvents(db.sql, platformId, id, range(1, events));
  return { platformId, receiver, endpoint, escrows };
}

/** Each escrow's events in the order they were first accepted. */
function firstAcceptance(receiver: Receiver) {
  const seen = new Set<string>();
  const byEscrow = new Map<string, number[]>();
  for (const r of receiver.accepted()) {
    if (seen.has(r.webhookId)) continue;
    seen.add(r.webhookId);
    byEscrow.set(r.escrowId, [...(byEscrow.get(r.escrowId) ?? []), r.seq]);
  }
  return byEscrow;
}

it('the worker process delivers; killed (SIGKILL) mid-way, the next worker process delivers the rest, in order', async () => {
  const { platformId, receiver, endpoint, escrows } = await setUp(5, 8);
  receiver.answer = () => ({ status: 200, delayMs: 40 });

  const first = startWorkerProcess();
  await eventually(() => expect(receiver.accepted().length).toBeGreaterThanOrEqual(10), 30_000);
  first.kill('SIGKILL');
  await exited(first);
  const before = receiver.requests.length;
  expect(before).toBeLessThan(40);
  // Recorded while no worker runs: waits in Postgres.
  for (const id of escrows) await recordEvents(db.sql, platformId, id, [6]);

  startWorkerProcess();
  await eventually(
    () => expect(new Set(receiver.accepted().map((r) => r.webhookId)).size).toBe(48),
    45_000,
  );
  expect(firstAcceptance(receiver)).toEqual(new Map(escrows.map((id) => [id, [1, 2, 3, 4, 5, 6]])));
  expect(receiver.orderViolations).toEqual([]);
  expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
  // At least once: only attempts in flight when the process died may arrive twice.
  expect(receiver.requests.length - 48).toBeLessThanOrEqual(4);
  await eventually(async () => {
    const rows = await deliveriesOf(db.sql, endpoint.id);
    expect(rows.filter((r) => r.status !== 'succeeded')).toEqual([]);
  });
}, 120_000);

it('SIGTERM: the worker finishes its attempts in flight and leaves no claim behind', async () => {
  const { receiver, endpoint, escrows } = await setUp(3, 8);
  receiver.answer = () => ({ status: 200, delayMs: 300 });

  const worker = startWorkerProcess();
  await eventually(() => expect(receiver.requests.length).toBeGreaterThanOrEqual(3), 30_000);
  await stopChild(worker);
  expect(worker.exitCode).toBe(0);

  const rows = await deliveriesOf(db.sql, endpoint.id);
  expect(rows.filter((r) => r.status === 'delivering')).toEqual([]);
  // Every request sent got its result recorded.
  const sent = receiver.requests.length;
  expect(rows.filter((r) => r.status === 'succeeded')).toHaveLength(sent);
  expect(sent).toBeLessThan(24);

  startWorkerProcess();
  await eventually(() => expect(receiver.accepted()).toHaveLength(24), 45_000);
  expect(new Set(receiver.requests.map((r) => r.webhookId)).size).toBe(24);
  expect(firstAcceptance(receiver)).toEqual(new Map(escrows.map((id) => [id, [1, 2, 3]])));
}, 120_000);
