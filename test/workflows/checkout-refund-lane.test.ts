import { describe, expect, it } from 'vitest';
import { checkLedger } from '../../ledger/invariants.js';
import type { FaultSpec } from '../../sandbox/faults.js';
import { performAction, queryEscrow } from '../../workflows/client.js';
import { refundLaneWorkflowId } from '../../workflows/refund-lane-messages.js';
import { eventually } from '../support/eventually.js';
import { useTimeSkippingStack } from '../support/time-skipping-stack.js';

const ctx = useTimeSkippingStack('checkout-refund-lane', async (stack) => {
  await fetch(`${stack.sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
});

const view = (id: string) => queryEscrow(ctx.env.client, id);
const refundsOf = (checkoutId: string) =>
  ctx.stack.sandbox.records.refunds().filter((r) => r.txnRef === checkoutId);

async function arm(fault: FaultSpec): Promise<void> {
  const response = await fetch(`${ctx.stack.sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  expect(response.ok).toBe(true);
}

describe("a checkout's refund lane", () => {
  // A file of its own: the time-skipping server stops skipping once a child workflow completes
  // (see checkout-paid.test.ts). Nothing here sleeps: both refunds start at once.
  it('both sellers cancel at once: the two partial refunds of the one payment go one after the other, both succeed', async () => {
    // Equal shares: VNPay's querydr tells two partial refunds apart by amount only, so without
    // the lane the second escrow would read the first one's refund as its own.
    const created = await ctx.stack.createCheckout([
      { amount: 1_000_000, fee: 0 },
      { amount: 1_000_000, fee: 0 },
    ]);
    const [a, b] = created.escrows.map((e) => e.escrowId) as [string, string];
    await ctx.stack.pay(created.paymentLink.url);
    await eventually(async () => {
      expect((await view(a)).status).toBe('funded');
      expect((await view(b)).status).toBe('funded');
    });

    // Each refund is held pending at the rail for two status queries (processing, at the bank).
    await arm({ operation: 'refund', kind: 'pending', times: 2, pendingQueries: 2 });
    const cancelled = await Promise.all(
      [a, b].map((id) =>
        performAction(ctx.env.client, id, 'cancel', { role: 'platform', reason: 'out of stock' }),
      ),
    );
    expect(cancelled.map((v) => v.status)).toEqual(['refunded', 'refunded']);
    await eventually(async () => {
      expect((await view(a)).refunds[0]?.status).toBe('succeeded');
      expect((await view(b)).refunds[0]?.status).toBe('succeeded');
    }, 60_000);

    const refunds = refundsOf(created.checkoutId).sort((x, y) =>
      x.createdAt.localeCompare(y.createdAt),
    );
    expect(refunds).toHaveLength(2);
    const [first, second] = refunds as [(typeof refunds)[0], (typeof refunds)[0]];
    expect(refunds.map((r) => [r.amount, r.transactionType, r.status])).toEqual([
      ['1000000', '03', 'succeeded'],
      ['1000000', '03', 'succeeded'],
    ]);
    // The second went to the rail only once the first was final.
    expect(first.finalAt).toBeDefined();
    expect(second.createdAt >= (first.finalAt as string)).toBe(true);
    // Each escrow booked its own refund, not its sibling's.
    const booked = [
      (await view(a)).refunds[0]?.pspRefundId,
      (await view(b)).refunds[0]?.pspRefundId,
    ];
    expect(new Set(booked)).toEqual(new Set([first.transactionNo, second.transactionNo]));
    for (const id of [a, b]) {
      expect((await view(id)).money).toMatchObject({
        funded: 1_000_000,
        refunded: 1_000_000,
        held: 0,
      });
    }
    expect(ctx.stack.sandbox.records.payment(created.checkoutId)?.refundedAmount).toBe('2000000');
    expect((await checkLedger(ctx.db.sql)).violations).toEqual([]);

    // The lane is free and waits, idle, for its hour before it closes.
    const lane = await ctx.env.client.workflow
      .getHandle(refundLaneWorkflowId(created.checkoutId))
      .describe();
    expect(lane.status.name).toBe('RUNNING');
  });
});
