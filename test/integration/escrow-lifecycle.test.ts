import { expect, it } from 'vitest';
import { escrowMoneySummary } from '../../ledger/balances.js';
import { checkLedger } from '../../ledger/invariants.js';
import { performAction, queryEscrow } from '../../workflows/client.js';
import { useEscrowStack } from '../support/escrow-stack.js';
import { eventLog } from '../support/event-log.js';
import { eventually } from '../support/eventually.js';

const ctx = useEscrowStack();

const statusOf = async (id: string) => (await queryEscrow(ctx.temporal.client, id)).status;

it('happy path end to end: pay at the sandbox, ship, deliver, accept, paid out', async () => {
  const created = await ctx.stack.create();
  expect(created.status).toBe('awaiting_payment');
  expect(created.paymentLink.url).toContain('/paymentv2/vpcpay.html?');

  await ctx.stack.pay(created.paymentLink.url);
  await eventually(async () => expect(await statusOf(created.id)).toBe('funded'));

  await performAction(ctx.temporal.client, created.id, 'markShipped', {
    role: 'seller',
    carrier: 'GHN',
    trackingNumber: 'GHN123',
  });
  await performAction(ctx.temporal.client, created.id, 'markDelivered', { role: 'platform' });
  const accepted = await performAction(ctx.temporal.client, created.id, 'accept', {
    role: 'buyer',
  });
  expect(accepted.status).toBe('released');

  await eventually(async () =>
    expect((await queryEscrow(ctx.temporal.client, created.id)).payout.status).toBe('paid'),
  );
  const payouts = ctx.stack.sandbox.records
    .payouts()
    .filter((p) => p.idempotencyKey.startsWith(`escrow:${created.id}:`));
  expect(payouts).toHaveLength(1);
  expect(payouts[0]?.amount).toBe('1470000');

  const [row] = await ctx.db.sql<
    { status: string; last_seq: number }[]
  >`select status, last_seq from escrows where id = ${created.id}`;
  expect(row?.status).toBe('released');
  // The workflow knows the payout succeeded before its event (and ledger entry) is recorded.
  await eventually(async () =>
    expect(await escrowMoneySummary(ctx.db.sql, created.id)).toMatchObject({
      funded: 1_500_000n,
      held: 0n,
      released: 1_500_000n,
      fees: 30_000n,
      paidOut: 1_470_000n,
    }),
  );
  await expectLedgerBalanced();
});

it('refund path end to end: a duplicate IPN is harmless, cancel refunds in full at the sandbox', async () => {
  await fetch(`${ctx.stack.sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'ipn', kind: 'duplicate_callback', times: 1 }),
  });
  const created = await ctx.stack.create();
  await ctx.stack.pay(created.paymentLink.url);
  await eventually(async () => expect(await statusOf(created.id)).toBe('funded'));
  const cancelled = await performAction(ctx.temporal.client, created.id, 'cancel', {
    role: 'platform',
    reason: 'out of stock',
  });
  expect(cancelled.status).toBe('refunded');
  await eventually(async () =>
    expect((await queryEscrow(ctx.temporal.client, created.id)).refunds[0]?.status).toBe(
      'succeeded',
    ),
  );
  const final = await queryEscrow(ctx.temporal.client, created.id);
  expect(final.money).toMatchObject({ funded: 1_500_000, refunded: 1_500_000, held: 0 });
  const events = await eventLog(ctx.db.sql, created.id);
  expect(events.filter((e) => e.type === 'payment_confirmed')).toHaveLength(1);
  expect(
    ctx.stack.sandbox.records
      .refunds()
      .filter((r) => r.txnRef === created.id)
      .map((r) => r.amount),
  ).toEqual(['1500000']);
  await expectLedgerBalanced();
});

it('keeps the search attributes ops filter by in the Temporal UI current', async () => {
  const created = await ctx.stack.create({ sellerId: 'seller_sa', amount: 2_000_000 });
  const listed = async (query: string) => {
    const ids: string[] = [];
    for await (const wf of ctx.temporal.client.workflow.list({ query })) ids.push(wf.workflowId);
    return ids;
  };
  await eventually(async () =>
    expect(
      await listed(
        `SellerId = 'seller_sa' AND EscrowStatus = 'awaiting_payment' AND EscrowAmount = 2000000 AND NeedsAttention = false`,
      ),
    ).toContain(`escrow:${created.id}`),
  );
  await performAction(ctx.temporal.client, created.id, 'cancel', {
    role: 'platform',
    reason: 'test',
  });
  await eventually(async () =>
    expect(await listed(`SellerId = 'seller_sa' AND EscrowStatus = 'cancelled'`)).toContain(
      `escrow:${created.id}`,
    ),
  );
});

async function expectLedgerBalanced() {
  const report = await checkLedger(ctx.db.sql);
  expect(report.violations).toEqual([]);
  expect(report.ok).toBe(true);
}
