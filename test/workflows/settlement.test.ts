import { describe, expect, it } from 'vitest';
import type { EscrowTerms } from '../../domain/escrow.js';
import type { Action } from '../../domain/lifecycle.js';
import { checkLedger } from '../../ledger/invariants.js';
import type { FaultSpec } from '../../sandbox/faults.js';
import {
  ActionRejectedError,
  escrowWorkflowId,
  performAction,
  queryEscrow,
} from '../../workflows/client.js';
import type { ActionArgs } from '../../workflows/messages.js';
import { eventLog } from '../support/event-log.js';
import { eventually } from '../support/eventually.js';
import { useTimeSkippingStack } from '../support/time-skipping-stack.js';

const ctx = useTimeSkippingStack('escrow-settle', async (stack) => {
  await fetch(`${stack.sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
});

const view = (id: string) => queryEscrow(ctx.env.client, id);
const act = <A extends Action>(id: string, action: A, args: ActionArgs<A>) =>
  performAction(ctx.env.client, id, action, args);
const payoutsOf = (id: string) =>
  ctx.stack.sandbox.records.payouts().filter((p) => p.idempotencyKey.startsWith(`escrow:${id}:`));
const refundsOf = (id: string) =>
  ctx.stack.sandbox.records.refunds().filter((r) => r.txnRef === id);

async function arm(fault: FaultSpec): Promise<void> {
  const response = await fetch(`${ctx.stack.sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

async function fundedEscrow(overrides: Partial<EscrowTerms> = {}) {
  const created = await ctx.stack.create(overrides);
  await ctx.stack.pay(created.paymentLink.url);
  await eventually(async () => expect((await view(created.id)).status).toBe('funded'));
  return created.id;
}

async function expectLedgerBalanced() {
  const report = await checkLedger(ctx.db.sql);
  expect(report.violations).toEqual([]);
}

describe('a payment whose IPN never comes', () => {
  it('is found by asking the rail before the payment window closes: funded, nothing refunded', async () => {
    const created = await ctx.stack.create();
    await arm({ operation: 'ipn', kind: 'drop' });
    await ctx.stack.pay(created.paymentLink.url);
    expect(ctx.stack.sandbox.records.payment(created.id)?.status).toBe('paid');
    expect((await view(created.id)).status).toBe('awaiting_payment');
    await ctx.env.sleep('31 minutes');
    await eventually(async () => expect((await view(created.id)).status).toBe('funded'));
    const confirmed = (await eventLog(ctx.db.sql, created.id)).find(
      (e) => e.type === 'payment_confirmed',
    );
    expect(confirmed?.data).toMatchObject({ amount: 1_500_000, foundBy: 'query' });
    expect((await view(created.id)).money).toMatchObject({ funded: 1_500_000, refunded: 0 });
    expect(refundsOf(created.id)).toHaveLength(0);
    await expectLedgerBalanced();
  });

  it('when the rail cannot answer until after expiry, the late-found payment is refunded in full', async () => {
    const created = await ctx.stack.create();
    await arm({ operation: 'ipn', kind: 'drop' });
    await ctx.stack.pay(created.paymentLink.url);
    // Every quick check before expiry fails; the patient one after it gets through.
    await arm({ operation: 'query', kind: 'http500', times: 3 });
    await ctx.env.sleep('31 minutes');
    await eventually(async () => expect((await view(created.id)).status).toBe('expired'));
    await ctx.env.sleep('5 minutes');
    await eventually(async () =>
      expect((await view(created.id)).refunds[0]?.status).toBe('succeeded'),
    );
    const final = await view(created.id);
    expect(final.status).toBe('expired');
    expect(final.money).toMatchObject({ funded: 1_500_000, refunded: 1_500_000, held: 0 });
    expect(refundsOf(created.id).map((r) => r.amount)).toEqual(['1500000']);
    const rejected = (await eventLog(ctx.db.sql, created.id)).find(
      (e) => e.type === 'payment_rejected',
    );
    expect(rejected?.data).toMatchObject({ reason: 'late_or_duplicate_payment', foundBy: 'query' });
    await expectLedgerBalanced();
  });
});

describe('a payment after the workflow has closed', () => {
  it('is booked and refunded by a resumed run, and the PSP is answered success', async () => {
    const created = await ctx.stack.create();
    await ctx.env.sleep('31 minutes');
    await eventually(async () => expect((await view(created.id)).status).toBe('expired'));
    await ctx.env.sleep('25 hours');
    const handle = ctx.env.client.workflow.getHandle(escrowWorkflowId(created.id));
    await eventually(async () => expect((await handle.describe()).status.name).toBe('COMPLETED'));

    await ctx.stack.pay(created.paymentLink.url);
    await eventually(async () =>
      expect(ctx.stack.sandbox.records.payment(created.id)?.ipn[0]?.acknowledged).toBe(true),
    );
    expect(ctx.stack.sandbox.records.payment(created.id)?.ipn[0]?.attempts.at(-1)?.rspCode).toBe(
      '00',
    );
    await eventually(async () =>
      expect(refundsOf(created.id).map((r) => r.amount)).toEqual(['1500000']),
    );
    await eventually(async () => {
      const types = (await eventLog(ctx.db.sql, created.id)).map((e) => e.type);
      expect(types).toEqual(
        expect.arrayContaining([
          'expired',
          'payment_rejected',
          'funds_refunded',
          'refund_succeeded',
        ]),
      );
    });
    const [row] = await ctx.db.sql<{ view: { money: Record<string, number> } }[]>`
      select view from escrows where id = ${created.id}`;
    expect(row?.view.money).toMatchObject({ funded: 1_500_000, refunded: 1_500_000, held: 0 });
    // The resumed run closes again once the refund is final; a repeated IPN books nothing.
    await eventually(async () => expect((await handle.describe()).status.name).toBe('COMPLETED'));
    await expectLedgerBalanced();
  });
});

describe('refunds', () => {
  it('a permanently failed refund waits for ops; retryRefund (ops only) refunds once', async () => {
    const id = await fundedEscrow();
    await arm({ operation: 'refund', kind: 'decline' });
    await act(id, 'cancel', { role: 'platform', reason: 'out of stock' });
    await eventually(async () => expect((await view(id)).refunds[0]?.status).toBe('failed'));
    const failed = await view(id);
    expect(failed.needsAttention).toBe(true);
    expect(failed.attentionReasons).toContain('refund_failed');
    expect(failed.money.held).toBe(0);

    await expect(act(id, 'retryRefund', { role: 'platform' })).rejects.toThrow(ActionRejectedError);
    await expect(act(id, 'retryRefund', { role: 'ops', refundId: '7' })).rejects.toThrow(
      ActionRejectedError,
    );
    await act(id, 'retryRefund', { role: 'ops', reason: 'out of stock, second try' });
    await eventually(async () => expect((await view(id)).refunds[0]?.status).toBe('succeeded'));
    const final = await view(id);
    expect(final.needsAttention).toBe(false);
    expect(final.refunds[0]?.reason).toBe('out of stock, second try');
    const succeeded = refundsOf(id).filter((r) => r.status === 'succeeded');
    expect(succeeded.map((r) => r.amount)).toEqual(['1500000']);
    await expectLedgerBalanced();
  });

  it('a refund the rail holds pending is polled until it is final', async () => {
    const id = await fundedEscrow();
    await arm({ operation: 'refund', kind: 'pending', pendingQueries: 2 });
    await act(id, 'cancel', { role: 'platform', reason: 'buyer asked' });
    await eventually(async () =>
      expect((await eventLog(ctx.db.sql, id)).map((e) => e.type)).toContain('refund_pending'),
    );
    await ctx.env.sleep('5 minutes');
    await eventually(async () => expect((await view(id)).refunds[0]?.status).toBe('succeeded'));
    expect(refundsOf(id)).toHaveLength(1);
    await expectLedgerBalanced();
  });
});

describe('payouts', () => {
  async function released(overrides: Partial<EscrowTerms> = {}) {
    const id = await fundedEscrow(overrides);
    await act(id, 'markShipped', { role: 'seller', carrier: 'GHN', trackingNumber: 'T' });
    await act(id, 'accept', { role: 'buyer' });
    return id;
  }

  it('a payout the rail holds pending is polled until it succeeds', async () => {
    await arm({ operation: 'payout', kind: 'pending', pendingQueries: 2 });
    const id = await released();
    await eventually(async () =>
      expect((await eventLog(ctx.db.sql, id)).map((e) => e.type)).toContain('payout_pending'),
    );
    expect((await view(id)).payout.status).toBe('in_flight');
    await ctx.env.sleep('5 minutes');
    await eventually(async () => expect((await view(id)).payout.status).toBe('paid'));
    expect(payoutsOf(id).map((p) => [p.status, p.amount])).toEqual([['succeeded', '1470000']]);
    await expectLedgerBalanced();
  });

  it('pending then failed: flagged for ops, and retryPayout pays the seller once', async () => {
    await arm({ operation: 'payout', kind: 'pending', pendingQueries: 1, outcome: 'failed' });
    const id = await released();
    await ctx.env.sleep('5 minutes');
    await eventually(async () => expect((await view(id)).payout.status).toBe('failed'));
    expect((await view(id)).attentionReasons).toContain('payout_failed');
    await act(id, 'retryPayout', { role: 'ops' });
    await eventually(async () => expect((await view(id)).payout.status).toBe('paid'));
    expect(payoutsOf(id).map((p) => p.status)).toEqual(['failed', 'succeeded']);
    expect((await view(id)).needsAttention).toBe(false);
    await expectLedgerBalanced();
  });

  it('a payout request that times out is queried under its key, not resent: paid once', async () => {
    await arm({ operation: 'payout', kind: 'timeout', delayMs: 8_000 });
    const id = await released();
    await eventually(async () => expect((await view(id)).payout.status).toBe('paid'), 60_000);
    expect(payoutsOf(id).map((p) => [p.status, p.amount])).toEqual([['succeeded', '1470000']]);
    await expectLedgerBalanced();
  });
});

describe('rails', () => {
  it('a MoMo escrow is funded and refunded on MoMo', async () => {
    const id = await fundedEscrow({ rail: 'momo' });
    await act(id, 'cancel', { role: 'platform', reason: 'out of stock' });
    await eventually(async () => expect((await view(id)).refunds[0]?.status).toBe('succeeded'));
    expect(
      ctx.stack.sandbox.records.momoRefunds().filter((r) => r.paymentOrderId === id),
    ).toHaveLength(1);
    await expectLedgerBalanced();
  });

  it('a payOS escrow is refunded by a payout to the buyer’s account', async () => {
    const refundDestination = { bankCode: 'TCB', accountNumber: '1903456789', accountName: 'B' };
    const id = await fundedEscrow({ rail: 'payos', refundDestination });
    await act(id, 'cancel', { role: 'platform', reason: 'out of stock' });
    await eventually(async () => expect((await view(id)).refunds[0]?.status).toBe('succeeded'));
    expect(
      payoutsOf(id).map((p) => [p.idempotencyKey.split(':').slice(2).join(':'), p.toAccountNumber]),
    ).toEqual([['refund:1', '1903456789']]);
    await expectLedgerBalanced();
  });
});
