import { beforeAll, describe, expect, it } from 'vitest';
import {
  combineCheckoutFundings,
  compareMovements,
  type LedgerMovement,
} from '../../domain/reconciliation.js';
import { listReports } from '../../store/reconciliation.js';
import { performAction } from '../../workflows/client.js';
import { useEscrowStack } from '../support/escrow-stack.js';
import { passSince, reconciliationDeps, recorded } from './helpers.js';

const ctx = useEscrowStack();
const since = new Date(Date.now() - 5_000);
let escrows: string[] = [];

beforeAll(async () => {
  // A two-seller cart paid once; seller B's escrow is cancelled: its share alone is refunded.
  const created = await ctx.stack.createCheckout([
    { amount: 1_200_000, fee: 20_000 },
    { amount: 800_000, fee: 0 },
  ]);
  escrows = created.escrows.map((e) => e.escrowId);
  await ctx.stack.pay(created.paymentLink.url);
  for (const id of escrows) await recorded(ctx, id, 'payment_confirmed');
  await performAction(ctx.temporal.client, escrows[1] as string, 'cancel', {
    role: 'platform',
    reason: 'out of stock',
  });
  await recorded(ctx, escrows[1] as string, 'refund_succeeded');
});

describe("a checkout's one payment", () => {
  it('is compared with the sum of the fundings under its transaction id: no mismatch', async () => {
    const summary = await passSince(since, reconciliationDeps(ctx));
    expect(summary).toMatchObject({ mismatches: 0, fixed: 0 });
    // The cart's payment (once, not per escrow) and B's refund.
    expect(summary.checked).toBe(2);
    const [report] = (await listReports(ctx.db.sql, { limit: 1 })).reports;
    expect(report).toMatchObject({ notes: [], mismatches: [] });
  });

  it('without a listing, the rail is asked by the checkout id: no mismatch', async () => {
    const summary = await passSince(since, { ...reconciliationDeps(ctx), listing: undefined });
    const [report] = (await listReports(ctx.db.sql, { limit: 1 })).reports;
    expect(report?.mismatches).toEqual([]);
    expect(summary).toMatchObject({ mismatches: 0, fixed: 0 });
  });
});

describe('combineCheckoutFundings', () => {
  const at = new Date('2025-06-01T12:00:00Z');
  const funding = (escrowId: string, amount: bigint, phase: LedgerMovement['phase'] = 'posted') =>
    ({
      movement: 'payment',
      escrowId,
      reference: `escrow:${escrowId}:funding:tx1`,
      phase,
      amount,
      currency: 'VND',
      at,
    }) satisfies LedgerMovement;
  const checkoutOf = new Map([
    ['esc_a', 'chk_1'],
    ['esc_b', 'chk_1'],
  ]);
  const rail = {
    movement: 'payment' as const,
    escrowId: 'chk_1',
    reference: 'escrow:chk_1:funding:tx1',
    status: 'succeeded' as const,
    amount: 2_000_000n,
    currency: 'VND',
    at,
  };

  it("sums a cart's shares into the one payment the rail knows; other entries pass through", () => {
    const other = funding('esc_x', 5n);
    const combined = combineCheckoutFundings(
      [funding('esc_a', 1_200_000n), funding('esc_b', 800_000n), other],
      checkoutOf,
    );
    expect(combined).toEqual([
      other,
      expect.objectContaining({
        escrowId: 'chk_1',
        reference: 'escrow:chk_1:funding:tx1',
        amount: 2_000_000n,
        phase: 'posted',
      }),
    ]);
    const cart = combined.filter((m) => m !== other);
    expect(compareMovements(cart, [rail], { settledBefore: at }).mismatches).toEqual([]);
  });

  it('a share the ledger lacks is an amount mismatch of the payment', () => {
    const combined = combineCheckoutFundings([funding('esc_a', 1_200_000n)], checkoutOf);
    const { mismatches } = compareMovements(combined, [rail], { settledBefore: at });
    expect(mismatches.map((m) => m.kind)).toEqual(['amount_differs']);
    expect(mismatches[0]?.escrowId).toBe('chk_1');
  });
});
