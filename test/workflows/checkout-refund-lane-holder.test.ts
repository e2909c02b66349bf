import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../sandbox/faults.js';
import { escrowWorkflowId, performAction, queryEscrow } from '../../workflows/client.js';
import { refundLaneWorkflowId } from '../../workflows/refund-lane-messages.js';
import { useEscrowStack } from '../support/escrow-stack.js';
import { eventually } from '../support/eventually.js';
import { recordingHistories, saveHistory } from '../support/histories.js';

// The dev server, in real time: the lane checks its holder every second here (5 minutes in
// production), so a holder that dies is noticed quickly.
const ctx = useEscrowStack({ refundLaneHolderCheckMs: 1_000 });

const client = () => ctx.temporal.client;
const view = (id: string) => queryEscrow(client(), id);
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

describe("a checkout's refund lane whose holder dies", () => {
  it('an escrow terminated while holding the lane does not block its sibling: the lane finds its run closed and grants the next', async () => {
    const created = await ctx.stack.createCheckout([
      { amount: 1_200_000, fee: 0 },
      { amount: 800_000, fee: 0 },
    ]);
    const [a, b] = created.escrows.map((e) => e.escrowId) as [string, string];
    await ctx.stack.pay(created.paymentLink.url);
    await eventually(async () => {
      expect((await view(a)).status).toBe('funded');
      expect((await view(b)).status).toBe('funded');
    });

    // A's refund is held pending at the rail; A takes the lane and is terminated holding it.
    await arm({ operation: 'refund', kind: 'pending', pendingQueries: 4 });
    await performAction(client(), a, 'cancel', { role: 'platform', reason: 'out of stock' });
    await eventually(() => expect(refundsOf(created.checkoutId)).toHaveLength(1));
    await performAction(client(), b, 'cancel', { role: 'platform', reason: 'out of stock' });
    await eventually(async () => expect((await view(b)).refunds[0]?.status).toBe('pending'));
    // B waits for the lane while A holds it.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(refundsOf(created.checkoutId)).toHaveLength(1);
    await client().workflow.getHandle(escrowWorkflowId(a)).terminate('test: the holder dies');

    // The lane sees A's run closed and grants B, whose refund goes once A's is final.
    await eventually(
      async () => expect((await view(b)).refunds[0]?.status).toBe('succeeded'),
      60_000,
    );
    const refunds = refundsOf(created.checkoutId).sort((x, y) =>
      x.createdAt.localeCompare(y.createdAt),
    );
    expect(refunds.map((r) => [r.amount, r.status])).toEqual([
      ['1200000', 'succeeded'],
      ['800000', 'succeeded'],
    ]);
    expect((await view(b)).refunds[0]?.pspRefundId).toBe(refunds[1]?.transactionNo);
    expect((await view(b)).money).toMatchObject({ funded: 800_000, refunded: 800_000, held: 0 });

    if (recordingHistories()) {
      await saveHistory(
        client(),
        refundLaneWorkflowId(created.checkoutId),
        'refund lane: its holder is terminated',
      );
      await saveHistory(
        client(),
        escrowWorkflowId(b),
        'refund lane: the sibling of a terminated holder refunds',
      );
    }
  });
});
