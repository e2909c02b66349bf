import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOWS } from '../../domain/lifecycle.js';
import { checkLedger } from '../../ledger/invariants.js';
import { getCheckout } from '../../store/checkouts.js';
import { checkoutWorkflowId } from '../../workflows/checkout-messages.js';
import { performAction, queryEscrow } from '../../workflows/client.js';
import { eventually } from '../support/eventually.js';
import { useTimeSkippingStack } from '../support/time-skipping-stack.js';

const ctx = useTimeSkippingStack('checkout-paid');

const view = (id: string) => queryEscrow(ctx.env.client, id);
const refundsOf = (checkoutId: string) =>
  ctx.stack.sandbox.records.refunds().filter((r) => r.txnRef === checkoutId);
const payoutsOf = (escrowId: string) =>
  ctx.stack.sandbox.records
    .payouts()
    .filter((p) => p.idempotencyKey.startsWith(`escrow:${escrowId}:`));
const workflowStatus = async (workflowId: string) =>
  (await ctx.env.client.workflow.getHandle(workflowId).describe()).status.name;

async function expectLedgerBalanced() {
  const report = await checkLedger(ctx.db.sql);
  expect(report.violations).toEqual([]);
}

const DAY = 86_400_000;

const SHARES = [
  { amount: 1_200_000, fee: 20_000 },
  { amount: 800_000, fee: 0 },
];

describe('a two-seller checkout', () => {
  // A file of its own: the time-skipping test server stops skipping time once a child workflow
  // completes (temporalio/sdk-java#1618, sdk-typescript#1101), so no later test could sleep, nor
  // could this one after its first escrow settles: one sleep covers every window, which end
  // together, and each escrow settles at its end.
  it('paid once: A ships and is released, B never ships and its share alone is refunded', async () => {
    const windows = { ...DEFAULT_WINDOWS, deliveryWindow: 2 * DAY, inspectionWindow: DAY };
    const created = await ctx.stack.createCheckout(SHARES.map((share) => ({ ...share, windows })));
    const [a, b] = created.escrows.map((e) => e.escrowId) as [string, string];
    expect(created.amount).toBe(2_000_000);
    expect((await view(a)).status).toBe('awaiting_payment');

    await ctx.stack.pay(created.paymentLink.url);
    await eventually(async () => {
      expect((await view(a)).status).toBe('funded');
      expect((await view(b)).status).toBe('funded');
    });
    expect(
      ctx.stack.sandbox.records.payments().filter((p) => p.txnRef === created.checkoutId),
    ).toHaveLength(1);
    const paid = ctx.stack.sandbox.records.payment(created.checkoutId);
    expect((await view(a)).payment).toMatchObject({
      amount: 1_200_000,
      providerTransactionId: paid?.transactionNo,
    });
    expect((await view(b)).payment).toMatchObject({
      amount: 800_000,
      providerTransactionId: paid?.transactionNo,
    });
    await eventually(async () =>
      expect(await workflowStatus(checkoutWorkflowId(created.checkoutId))).toBe('COMPLETED'),
    );
    expect(await getCheckout(ctx.db.sql, created.checkoutId)).toMatchObject({
      status: 'paid',
      paymentTransactionId: paid?.transactionNo,
    });

    await performAction(ctx.env.client, a, 'markShipped', {
      role: 'seller',
      carrier: 'GHN',
      trackingNumber: 'T-A',
    });
    // A's delivery (2 days) and inspection (1 day) windows pass: released, paid out. B's shipping
    // window (3 days) passes: B's share alone is refunded, a partial refund of the one payment.
    await ctx.env.sleep(3 * DAY);
    await eventually(async () => expect((await view(a)).payout.status).toBe('paid'));
    await eventually(async () => expect((await view(b)).refunds[0]?.status).toBe('succeeded'));
    expect((await view(a)).money).toMatchObject({
      funded: 1_200_000,
      released: 1_180_000,
      fees: 20_000,
      refunded: 0,
      held: 0,
    });
    expect((await view(b)).status).toBe('refunded');
    expect((await view(b)).money).toMatchObject({ funded: 800_000, refunded: 800_000, held: 0 });
    const refunds = refundsOf(created.checkoutId);
    expect(refunds.map((r) => r.amount)).toEqual(['800000']);
    expect(refunds[0]?.transactionType).toBe('03');
    expect(payoutsOf(a).map((p) => p.amount)).toEqual(['1180000']);
    expect(payoutsOf(b)).toHaveLength(0);
    expect(
      ctx.stack.sandbox.records.payments().filter((p) => p.txnRef === created.checkoutId),
    ).toHaveLength(1);
    await expectLedgerBalanced();
  });
});
