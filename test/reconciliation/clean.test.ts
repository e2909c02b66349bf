import { beforeAll, expect, it } from 'vitest';
import { listReports } from '../../store/reconciliation.js';
import { performAction } from '../../workflows/client.js';
import { useEscrowStack } from '../support/escrow-stack.js';
import { eventually } from '../support/eventually.js';
import { fundedEscrow, passSince, reconciliationDeps, recorded, released } from './helpers.js';

const ctx = useEscrowStack();
// payOS keeps whole seconds: a period starting a little before the first record holds them all.
const since = new Date(Date.now() - 5_000);

beforeAll(async () => {
  const paidOut = await fundedEscrow(ctx);
  await released(ctx, paidOut.id);
  const refunded = await fundedEscrow(ctx);
  await performAction(ctx.temporal.client, refunded.id, 'cancel', {
    role: 'platform',
    reason: 'out of stock',
  });
  const declined = await ctx.stack.create();
  await ctx.stack.pay(declined.paymentLink.url, 'decline');
  await recorded(ctx, paidOut.id, 'payout_succeeded');
  await recorded(ctx, refunded.id, 'refund_succeeded');
  await eventually(() =>
    expect(ctx.stack.sandbox.records.payment(declined.id)?.ipn[0]?.acknowledged).toBe(true),
  );
});

it('a clean period: two payments, a payout, a refund and a declined payment all agree', async () => {
  const summary = await passSince(since, reconciliationDeps(ctx));
  // The declined payment is checked too: the rail lists it, the ledger rightly has nothing.
  expect(summary).toEqual({ checked: 5, fixed: 0, mismatches: 0 });
  const [report] = (await listReports(ctx.db.sql, { limit: 1 })).reports;
  expect(report).toMatchObject({ checked: 5, notes: [], mismatches: [] });
  expect(report?.finishedAt).toBeInstanceOf(Date);
  expect(await storedMismatches()).toBe(0);
});

it('without a listing the rail is asked by key (querydr with the link date) and the report says what it skipped', async () => {
  const summary = await passSince(since, { ...reconciliationDeps(ctx), listing: undefined });
  // The refunded payment is found behind its refund; the declined one is nowhere to be asked.
  expect(summary).toEqual({ checked: 4, fixed: 0, mismatches: 0 });
  const [report] = (await listReports(ctx.db.sql, { limit: 1 })).reports;
  expect(report?.notes).toEqual([
    'payments and refunds: rail → ledger not checked: vnpay lists no records',
  ]);
  // A mismatch already reported would not count as new: none is stored at all.
  expect(await storedMismatches()).toBe(0);
});

const storedMismatches = async () =>
  (await ctx.db.sql<{ n: number }[]>`select count(*)::int as n from reconciliation_mismatches`)[0]
    ?.n;
