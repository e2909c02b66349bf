import { beforeAll, expect, it } from 'vitest';
import type { Rail } from '../../domain/rails.js';
import { listReports } from '../../store/reconciliation.js';
import { performAction } from '../../workflows/client.js';
import { useEscrowStack } from '../support/escrow-stack.js';
import { passSince, reconciliationDeps, recorded, released } from './helpers.js';

// Reconciliation asks each escrow's own rail about it: a MoMo or ZaloPay payment is not
// looked for at VNPay (where it would be missing, and flagged).
const ctx = useEscrowStack();
const since = new Date(Date.now() - 5_000);

const funded = async (rail: Rail) => {
  const created = await ctx.stack.create({ rail });
  await ctx.stack.pay(created.paymentLink.url);
  await recorded(ctx, created.id, 'payment_confirmed');
  return created.id;
};

beforeAll(async () => {
  const paidOut = await funded('momo');
  await released(ctx, paidOut);
  const refunded = await funded('zalopay');
  await performAction(ctx.temporal.client, refunded, 'cancel', {
    role: 'platform',
    reason: 'out of stock',
  });
  await recorded(ctx, paidOut, 'payout_succeeded');
  await recorded(ctx, refunded, 'refund_succeeded');
});

it('MoMo and ZaloPay escrows agree with their own rails', async () => {
  const summary = await passSince(since, {
    ...reconciliationDeps(ctx),
    providers: ctx.stack.providers,
  });
  const [report] = (await listReports(ctx.db.sql, { limit: 1 })).reports;
  expect(report?.mismatches).toEqual([]);
  // Two payments, a payout and a refund, each found at its rail.
  expect(summary).toEqual({ checked: 4, fixed: 0, mismatches: 0 });
});
