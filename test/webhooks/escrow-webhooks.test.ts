import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import { createEndpoint } from '../../webhooks/endpoints.js';
import { performAction, queryEscrow } from '../../workflows/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type EscrowStack, startEscrowStack } from '../support/escrow-stack.js';
import { eventually } from '../support/eventually.js';
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';
import { testDispatcher } from './outbox.js';
import { type Receiver, startReceiver } from './receiver.js';

let db: TestDatabase;
let temporal: TestTemporal;
let stack: EscrowStack;
let receiver: Receiver;
let dispatcher: WebhookDispatcher;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  stack = await startEscrowStack({ ...temporal, sql: db.sql });
  receiver = await startReceiver();
});
afterAll(async () => {
  await dispatcher?.stop();
  await receiver?.close();
  await stack?.stop();
  await temporal?.close();
  await db?.drop();
});

const statusOf = async (id: string) => (await queryEscrow(temporal.client, id)).status;

async function recordedEvents(escrowId: string) {
  const rows = await db.sql<{ seq: number; type: string }[]>`
    select seq, type from escrow_events where escrow_id = ${escrowId} order by seq`;
  return rows.map((r) => ({ seq: r.seq, type: `escrow.${r.type}` }));
}

it('real escrows: an endpoint down for a while (503, then unreachable) then up gets every event, signed, in order', async () => {
  const platformId = `plt_${randomBytes(6).toString('hex')}`;
  const endpoint = await createEndpoint(db.sql, platformId, receiver.url);
  receiver.secret = endpoint.secret;
  receiver.answer = () => 503;
  dispatcher = testDispatcher(db.sql, { retrySchedule: Array.from({ length: 200 }, () => 100) });

  const escrows = await Promise.all([stack.create({ platformId }), stack.create({ platformId })]);
  for (const escrow of escrows) await stack.pay(escrow.paymentLink.url);
  for (const escrow of escrows) {
    await eventually(async () => expect(await statusOf(escrow.id)).toBe('funded'));
  }
  await eventually(() => expect(receiver.requests.length).toBeGreaterThanOrEqual(2));
  expect(receiver.accepted()).toHaveLength(0);

  // Unreachable while the escrows move on.
  await receiver.down();
  for (const escrow of escrows) {
    await performAction(temporal.client, escrow.id, 'markShipped', {
      role: 'seller',
      carrier: 'GHN',
      trackingNumber: `GHN-${escrow.id}`,
    });
    await performAction(temporal.client, escrow.id, 'markDelivered', { role: 'platform' });
    expect(
      (await performAction(temporal.client, escrow.id, 'accept', { role: 'buyer' })).status,
    ).toBe('released');
  }
  for (const escrow of escrows) {
    await eventually(async () =>
      expect((await queryEscrow(temporal.client, escrow.id)).payout.status).toBe('paid'),
    );
  }
  const [refused] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from webhook_delivery_attempts a
      join webhook_deliveries d on d.id = a.delivery_id
     where d.endpoint_id = ${endpoint.id} and a.error like '%ECONNREFUSED%'`;
  expect(refused?.n).toBeGreaterThan(0);

  // Back up: everything arrives.
  receiver.answer = () => 200;
  await receiver.up();
  const expected = new Map<string, Array<{ seq: number; type: string }>>();
  for (const escrow of escrows) {
    // The workflow reports `paid` a moment before its last event reaches Postgres.
    await eventually(async () =>
      expect((await recordedEvents(escrow.id)).map((e) => e.type)).toContain(
        'escrow.payout_succeeded',
      ),
    );
    expected.set(escrow.id, await recordedEvents(escrow.id));
  }
  await eventually(() => {
    for (const escrow of escrows) {
      const got = receiver
        .accepted()
        .filter((r) => r.escrowId === escrow.id)
        .map((r) => ({ seq: r.seq, type: r.type }));
      expect(got).toEqual(expected.get(escrow.id));
    }
  }, 30_000);

  for (const escrow of escrows) {
    const types = expected.get(escrow.id)?.map((e) => e.type) ?? [];
    expect(types).toEqual(
      expect.arrayContaining([
        'escrow.created',
        'escrow.payment_confirmed',
        'escrow.shipped',
        'escrow.delivered',
        'escrow.accepted',
        'escrow.funds_released',
        'escrow.payout_succeeded',
      ]),
    );
    expect(types.length).toBeGreaterThanOrEqual(6);
  }
  expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);
  expect(receiver.orderViolations).toEqual([]);
  expect(receiver.maxConcurrentPerEscrow).toBe(1);
  const bodies = receiver.accepted().map((r) => JSON.parse(r.body));
  expect(bodies.every((b) => b.id === `evt_${b.data.escrowId}_${b.data.seq}`)).toBe(true);
  // The dispatcher marks a delivery succeeded just after the receiver has answered.
  await eventually(async () => {
    const [open] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from webhook_deliveries
       where endpoint_id = ${endpoint.id} and status <> 'succeeded'`;
    expect(open?.n).toBe(0);
  });
});
