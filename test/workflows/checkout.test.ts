import { describe, expect, it } from 'vitest';
import { checkLedger } from '../../ledger/invariants.js';
import { getCheckout } from '../../store/checkouts.js';
import { checkoutWorkflowId, escrowWorkflowIdOf } from '../../workflows/checkout-messages.js';
import { escrowWorkflowId, queryEscrow } from '../../workflows/client.js';
import { eventLog } from '../support/event-log.js';
import { eventually } from '../support/eventually.js';
import { useTimeSkippingStack } from '../support/time-skipping-stack.js';

const ctx = useTimeSkippingStack('checkout');

const view = (id: string) => queryEscrow(ctx.env.client, id);
const refundsOf = (checkoutId: string) =>
  ctx.stack.sandbox.records.refunds().filter((r) => r.txnRef === checkoutId);
const workflowStatus = async (workflowId: string) =>
  (await ctx.env.client.workflow.getHandle(workflowId).describe()).status.name;

async function expectLedgerBalanced() {
  const report = await checkLedger(ctx.db.sql);
  expect(report.violations).toEqual([]);
}

const SHARES = [
  { amount: 1_200_000, fee: 20_000 },
  { amount: 800_000, fee: 0 },
];

it("the escrow workflow id is the client's", () => {
  expect(escrowWorkflowIdOf('esc_x')).toBe(escrowWorkflowId('esc_x'));
});

describe('a two-seller checkout', () => {
  it('unpaid, expires all its escrows together', async () => {
    const created = await ctx.stack.createCheckout(SHARES);
    const ids = created.escrows.map((e) => e.escrowId);
    await ctx.env.sleep('31 minutes');
    await eventually(async () => {
      for (const id of ids) expect((await view(id)).status).toBe('expired');
    });
    await eventually(async () =>
      expect(await workflowStatus(checkoutWorkflowId(created.checkoutId))).toBe('COMPLETED'),
    );
    expect((await getCheckout(ctx.db.sql, created.checkoutId))?.status).toBe('expired');
    for (const id of ids) {
      const types = (await eventLog(ctx.db.sql, id)).map((e) => e.type);
      expect(types).toContain('expired');
      expect((await view(id)).money).toMatchObject({ funded: 0, held: 0 });
    }
    expect(refundsOf(created.checkoutId)).toHaveLength(0);
    await expectLedgerBalanced();
  });

  it('a payment after the checkout closed is refunded by each escrow, share by share', async () => {
    const created = await ctx.stack.createCheckout(SHARES);
    const ids = created.escrows.map((e) => e.escrowId);
    await ctx.env.sleep('31 minutes');
    await eventually(async () =>
      expect(await workflowStatus(checkoutWorkflowId(created.checkoutId))).toBe('COMPLETED'),
    );
    // The checkout has closed; its escrows are expired and still take a late payment.
    await ctx.stack.pay(created.paymentLink.url);
    await eventually(async () =>
      expect(ctx.stack.sandbox.records.payment(created.checkoutId)?.ipn[0]?.acknowledged).toBe(
        true,
      ),
    );
    await eventually(async () =>
      expect(
        refundsOf(created.checkoutId)
          .map((r) => r.amount)
          .sort(),
      ).toEqual(['1200000', '800000']),
    );
    await eventually(async () => {
      for (const [index, id] of ids.entries()) {
        const [row] = await ctx.db.sql<
          { view: { status: string; money: Record<string, number> } }[]
        >`
          select view from escrows where id = ${id}`;
        const share = SHARES[index]?.amount ?? 0;
        expect(row?.view.status).toBe('expired');
        expect(row?.view.money).toMatchObject({ funded: share, refunded: share, held: 0 });
      }
    });
    for (const r of refundsOf(created.checkoutId)) expect(r.transactionType).toBe('03');
    await expectLedgerBalanced();
  });
});
