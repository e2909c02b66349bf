import { afterAll, beforeAll, expect, it } from 'vitest';
import { performAction, queryEscrow } from '../../api/escrow-commands.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type EscrowStack, startEscrowStack } from '../support/escrow-stack.js';
import { eventually } from '../support/eventually.js';
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';

let db: TestDatabase;
let temporal: TestTemporal;
let stack: EscrowStack;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  stack = await startEscrowStack({ ...temporal, sql: db.sql });
});
afterAll(async () => {
  await stack?.stop();
  await temporal?.close();
  await db?.drop();
});

const statusOf = async (id: string) => (await queryEscrow(temporal.client, id)).status;

it('happy path end to end: pay at the sandbox, ship, deliver, accept, paid out', async () => {
  const created = await stack.create();
  expect(created.status).toBe('awaiting_payment');
  expect(created.paymentLink.url).toContain('/paymentv2/vpcpay.html?');

  await stack.pay(created.paymentLink.url);
  await eventually(async () => expect(await statusOf(created.id)).toBe('funded'));

  await performAction(temporal.client, created.id, 'markShipped', {
    role: 'seller',
    carrier: 'GHN',
    trackingNumber: 'GHN123',
  });
  await performAction(temporal.client, created.id, 'markDelivered', { role: 'platform' });
  const accepted = await performAction(temporal.client, created.id, 'accept', { role: 'buyer' });
  expect(accepted.status).toBe('released');

  await eventually(async () =>
    expect((await queryEscrow(temporal.client, created.id)).payout.status).toBe('paid'),
  );
  const payouts = stack.sandbox.records
    .payouts()
    .filter((p) => p.idempotencyKey.startsWith(`escrow:${created.id}:`));
  expect(payouts).toHaveLength(1);
  expect(payouts[0]?.amount).toBe('1470000');

  const [row] = await db.sql<
    { status: string; last_seq: number }[]
  >`select status, last_seq from escrows where id = ${created.id}`;
  expect(row?.status).toBe('released');
});
