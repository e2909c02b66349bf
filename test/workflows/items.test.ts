// Items, partial disputes, milestones and returns, end to end on a time-skipping server: what
// the view says of each item and of the money, what reached the sandbox rail, what Postgres
// recorded. The 1,500,000 escrow's 30,000 fee is shared by its items in proportion.
import { describe, expect, it } from 'vitest';
import type { EscrowTerms, ItemTerms } from '../../domain/escrow.js';
import type { Action } from '../../domain/lifecycle.js';
import type { EscrowView } from '../../domain/view.js';
import { checkLedger } from '../../ledger/invariants.js';
import { ActionRejectedError, performAction, queryEscrow } from '../../workflows/client.js';
import type { ActionArgs } from '../../workflows/messages.js';
import { eventLog } from '../support/event-log.js';
import { eventually } from '../support/eventually.js';
import { useTimeSkippingStack } from '../support/time-skipping-stack.js';

const ctx = useTimeSkippingStack('escrow-items');

const DAY = 86_400_000;
const view = (id: string) => queryEscrow(ctx.env.client, id);
const act = <A extends Action>(id: string, action: A, args: ActionArgs<A>) =>
  performAction(ctx.env.client, id, action, args);
const paidOut = (id: string) =>
  ctx.stack.sandbox.records
    .payouts()
    .filter((p) => p.idempotencyKey.startsWith(`escrow:${id}:`) && p.status === 'succeeded')
    .map((p) => p.amount);
const refunded = (id: string) =>
  ctx.stack.sandbox.records
    .refunds()
    .filter((r) => r.txnRef === id && r.status === 'succeeded')
    .map((r) => r.amount);
const eventTypes = async (id: string) => (await eventLog(ctx.db.sql, id)).map((e) => e.type);
const item = (v: EscrowView, itemId: string) => {
  const found = v.items.find((i) => i.id === itemId);
  if (!found) throw new Error(`no item ${itemId} in ${v.items.map((i) => i.id).join(', ')}`);
  return found;
};
const statuses = (v: EscrowView) => Object.fromEntries(v.items.map((i) => [i.id, i.status]));

async function fundedEscrow(overrides: Partial<EscrowTerms> = {}) {
  const created = await ctx.stack.create(overrides);
  await ctx.stack.pay(created.paymentLink.url);
  await eventually(async () => expect((await view(created.id)).status).toBe('funded'));
  return created.id;
}

async function deliveredEscrow(overrides: Partial<EscrowTerms> = {}) {
  const id = await fundedEscrow(overrides);
  await act(id, 'markShipped', { role: 'seller', carrier: 'GHN', trackingNumber: `T-${id}` });
  const delivered = await act(id, 'markDelivered', { role: 'platform' });
  expect(delivered.status).toBe('delivered');
  return { id, deliveredAt: Date.parse(delivered.deliveredAt ?? '') };
}

/** Waits until the payout and every refund the rail was sent are final. */
async function settled(id: string) {
  await eventually(async () => {
    const v = await view(id);
    expect(['not_due', 'paid']).toContain(v.payout.status);
    expect(v.refunds.every((r) => r.status === 'succeeded')).toBe(true);
  });
}

async function expectLedgerBalanced() {
  const report = await checkLedger(ctx.db.sql);
  expect(report.violations).toEqual([]);
}

// 500,000 + 600,000 + 400,000: fees 10,000, 12,000 and 8,000.
const THREE_ITEMS: ItemTerms[] = [
  { id: 'lens', description: 'Lens 50mm', amount: 500_000, inspectionWindow: DAY },
  { id: 'body', description: 'Camera body', amount: 600_000 },
  { id: 'strap', description: 'Leather strap', amount: 400_000 },
];

describe('a partial dispute', () => {
  it('items partial dispute: the undisputed items are released on their own timers, the disputed one is refunded by ops', async () => {
    const { id, deliveredAt } = await deliveredEscrow({ items: THREE_ITEMS });
    const delivered = await view(id);
    expect(item(delivered, 'lens').deadline).toEqual({
      timer: 'inspectionWindow',
      at: new Date(deliveredAt + DAY).toISOString(),
    });
    expect(item(delivered, 'body').deadline?.at).toBe(
      new Date(deliveredAt + 3 * DAY).toISOString(),
    );

    const disputed = await act(id, 'openDispute', {
      role: 'buyer',
      reason: 'damaged',
      details: 'The strap is torn',
      items: ['strap'],
    });
    expect(statuses(disputed)).toEqual({
      lens: 'inspecting',
      body: 'inspecting',
      strap: 'disputed',
    });
    expect(disputed.status).toBe('delivered');
    expect(disputed.money).toMatchObject({
      held: 1_500_000,
      frozen: 400_000,
      releasable: 1_100_000,
    });
    expect(item(disputed, 'strap').money).toMatchObject({ held: 400_000, frozen: 400_000 });
    // The seller answers, so the seller-silence rule does not decide the dispute.
    await act(id, 'respondToDispute', { role: 'seller', message: 'It left intact' });

    // The lens's own one-day window: only the lens is released.
    await ctx.env.sleep('25 hours');
    await eventually(async () => expect(item(await view(id), 'lens').status).toBe('released'));
    await eventually(async () => expect(paidOut(id)).toEqual(['490000']));
    const afterLens = await view(id);
    expect(statuses(afterLens)).toEqual({
      lens: 'released',
      body: 'inspecting',
      strap: 'disputed',
    });
    expect(afterLens.status).toBe('delivered');
    expect(item(afterLens, 'lens').money).toMatchObject({
      held: 0,
      released: 490_000,
      fees: 10_000,
    });
    expect(afterLens.money).toMatchObject({ released: 490_000, fees: 10_000, frozen: 400_000 });

    // The body's three-day window; the strap stays frozen.
    await ctx.env.sleep('2 days');
    await eventually(async () => expect(item(await view(id), 'body').status).toBe('released'));
    await eventually(async () => expect(paidOut(id)).toEqual(['490000', '588000']));
    const afterBody = await view(id);
    expect(afterBody.status).toBe('disputed');
    expect(statuses(afterBody)).toEqual({ lens: 'released', body: 'released', strap: 'disputed' });
    expect(afterBody.money).toMatchObject({
      released: 1_078_000,
      fees: 22_000,
      held: 400_000,
      frozen: 400_000,
      releasable: 0,
      refunded: 0,
    });
    expect(refunded(id)).toEqual([]);

    const resolved = await act(id, 'resolveDispute', { role: 'ops', outcome: 'refund' });
    expect(resolved.status).toBe('split');
    expect(statuses(resolved)).toEqual({ lens: 'released', body: 'released', strap: 'refunded' });
    expect(resolved.money).toMatchObject({ refunded: 400_000, held: 0, frozen: 0 });
    await settled(id);
    expect(refunded(id)).toEqual(['400000']);
    expect(paidOut(id)).toEqual(['490000', '588000']);
    const types = await eventTypes(id);
    expect(types.filter((t) => t === 'inspection_elapsed')).toHaveLength(2);
    expect(types).toEqual(
      expect.arrayContaining([
        'dispute_opened',
        'dispute_resolved',
        'funds_refunded',
        'refund_succeeded',
      ]),
    );
    const opened = (await eventLog(ctx.db.sql, id)).find((e) => e.type === 'dispute_opened');
    expect(opened?.data).toMatchObject({ by: 'buyer', items: ['strap'] });
    await expectLedgerBalanced();
  });

  it('a dispute by amount freezes only that much: the rest is released at inspection, the frozen part waits for a split', async () => {
    const { id } = await deliveredEscrow();
    const disputed = await act(id, 'openDispute', {
      role: 'buyer',
      reason: 'partial',
      details: 'One lens cap missing',
      amount: 500_000,
    });
    expect(disputed.status).toBe('delivered');
    expect(disputed.money).toMatchObject({ frozen: 500_000, releasable: 1_000_000 });
    expect(disputed.items[0]).toMatchObject({ status: 'inspecting' });
    expect(disputed.dispute).toMatchObject({ amount: 500_000 });
    await act(id, 'respondToDispute', { role: 'seller', message: 'Caps were included' });

    await ctx.env.sleep('73 hours');
    // fee on the released 1,000,000: 20,000.
    await eventually(async () => expect(paidOut(id)).toEqual(['980000']));
    const waiting = await view(id);
    expect(waiting.status).toBe('disputed');
    expect(waiting.items[0]).toMatchObject({
      status: 'disputed',
      money: { held: 500_000, frozen: 500_000, released: 980_000, fees: 20_000 },
    });
    expect(waiting.money).toMatchObject({ held: 500_000, frozen: 500_000, releasable: 0 });

    const split = await act(id, 'resolveDispute', {
      role: 'ops',
      outcome: 'split',
      sellerAmount: 300_000,
    });
    // fee on 1,300,000 of 1,500,000 is 26,000: 6,000 more on the seller's 300,000.
    expect(split.status).toBe('split');
    expect(split.money).toMatchObject({
      released: 1_274_000,
      fees: 26_000,
      refunded: 200_000,
      held: 0,
      frozen: 0,
    });
    expect(split.items[0]).toMatchObject({ status: 'split' });
    await settled(id);
    expect(paidOut(id)).toEqual(['980000', '294000']);
    expect(refunded(id)).toEqual(['200000']);
    expect(await eventTypes(id)).toEqual(
      expect.arrayContaining(['dispute_opened', 'inspection_elapsed', 'dispute_resolved']),
    );
    await expectLedgerBalanced();
  });
});

describe('items released one after another', () => {
  it('two items accepted back to back (the second may meet the first payout in flight): all paid once, in full', async () => {
    const { id } = await deliveredEscrow({ items: THREE_ITEMS });
    await act(id, 'accept', { role: 'buyer', items: ['lens'] });
    const second = await act(id, 'accept', { role: 'buyer', items: ['body'] });
    expect(statuses(second)).toEqual({ lens: 'released', body: 'released', strap: 'inspecting' });
    expect(second.money).toMatchObject({ released: 1_078_000, fees: 22_000, held: 400_000 });
    // The rail records a payout before the workflow hears that it succeeded.
    await eventually(async () => {
      const sum = paidOut(id).reduce((total, amount) => total + Number(amount), 0);
      expect(sum).toBe(1_078_000);
      expect((await view(id)).payout.status).toBe('paid');
    });
    const accepted = await act(id, 'accept', { role: 'buyer' });
    expect(accepted.status).toBe('released');
    await settled(id);
    expect(paidOut(id).reduce((total, amount) => total + Number(amount), 0)).toBe(1_470_000);
    await expectLedgerBalanced();
  });
});

describe('milestones', () => {
  it('milestones one after another: accepted, released by its timer, the last cancelled and refunded', async () => {
    const id = await fundedEscrow({
      release: 'milestones',
      items: [
        { id: 'm1', description: 'Design', amount: 500_000 },
        { id: 'm2', description: 'Build', amount: 600_000 },
        { id: 'm3', description: 'Launch', amount: 400_000 },
      ],
    });
    const funded = await view(id);
    expect(statuses(funded)).toEqual({ m1: 'in_progress', m2: 'awaiting', m3: 'awaiting' });
    await expect(
      act(id, 'markShipped', { role: 'seller', carrier: 'GHN', trackingNumber: 'M' }),
    ).rejects.toThrow(ActionRejectedError);

    const first = await act(id, 'deliverMilestone', { role: 'seller' });
    expect(first.status).toBe('delivered');
    expect(item(first, 'm1').status).toBe('inspecting');
    const accepted = await act(id, 'accept', { role: 'buyer', items: ['m1'] });
    expect(statuses(accepted)).toEqual({ m1: 'released', m2: 'in_progress', m3: 'awaiting' });
    expect(accepted.status).toBe('funded');
    await eventually(async () => expect(paidOut(id)).toEqual(['490000']));

    const second = await act(id, 'deliverMilestone', { role: 'seller' });
    expect(statuses(second)).toEqual({ m1: 'released', m2: 'inspecting', m3: 'awaiting' });
    await ctx.env.sleep('73 hours');
    await eventually(async () => expect(item(await view(id), 'm2').status).toBe('released'));
    await eventually(async () => expect(paidOut(id)).toEqual(['490000', '588000']));
    const third = await view(id);
    expect(third.status).toBe('funded');
    expect(item(third, 'm3').status).toBe('in_progress');

    const cancelled = await act(id, 'cancel', { role: 'platform', reason: 'project stopped' });
    expect(cancelled.status).toBe('split');
    expect(statuses(cancelled)).toEqual({ m1: 'released', m2: 'released', m3: 'refunded' });
    expect(cancelled.money).toMatchObject({
      released: 1_078_000,
      fees: 22_000,
      refunded: 400_000,
      held: 0,
    });
    await settled(id);
    expect(refunded(id)).toEqual(['400000']);
    expect(paidOut(id)).toEqual(['490000', '588000']);
    const types = await eventTypes(id);
    expect(types.filter((t) => t === 'milestone_started')).toHaveLength(3);
    expect(types.filter((t) => t === 'milestone_delivered')).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining(['cancelled_after_funding', 'funds_refunded']));
    await expectLedgerBalanced();
  });
});

describe('returns', () => {
  const TWO_ITEMS: ItemTerms[] = [
    { id: 'shoes', description: 'Running shoes', amount: 900_000 },
    { id: 'socks', description: 'Socks', amount: 600_000 },
  ];

  it('items return: rejected, sent back, confirmed by the seller and refunded; the kept item is paid out', async () => {
    const { id } = await deliveredEscrow({ items: TWO_ITEMS });
    const rejected = await act(id, 'reject', {
      role: 'buyer',
      reason: 'wrong size',
      items: ['socks'],
    });
    expect(statuses(rejected)).toEqual({ shoes: 'inspecting', socks: 'rejected' });
    expect(item(rejected, 'socks')).toMatchObject({
      rejection: { reason: 'wrong size' },
      deadline: { timer: 'returnShippingWindow' },
    });
    const sent = await act(id, 'markReturnShipped', {
      role: 'buyer',
      carrier: 'GHN',
      trackingNumber: 'RET-1',
      items: ['socks'],
    });
    expect(item(sent, 'socks')).toMatchObject({
      status: 'returning',
      returnShipment: { carrier: 'GHN', trackingNumber: 'RET-1' },
      deadline: { timer: 'returnInspectionWindow' },
    });
    const confirmed = await act(id, 'confirmReturn', { role: 'seller', items: ['socks'] });
    expect(statuses(confirmed)).toEqual({ shoes: 'inspecting', socks: 'refunded' });
    expect(confirmed.status).toBe('delivered');
    await eventually(async () => expect(refunded(id)).toEqual(['600000']));

    const accepted = await act(id, 'accept', { role: 'buyer' });
    expect(accepted.status).toBe('split');
    expect(accepted.money).toMatchObject({
      released: 882_000,
      fees: 18_000,
      refunded: 600_000,
      held: 0,
    });
    await settled(id);
    expect(paidOut(id)).toEqual(['882000']);
    expect(refunded(id)).toEqual(['600000']);
    expect(await eventTypes(id)).toEqual(
      expect.arrayContaining(['rejected', 'return_shipped', 'return_received', 'funds_refunded']),
    );
    await expectLedgerBalanced();
  });

  it('a return not sent within the return shipping window lapses: the items are released', async () => {
    const { id } = await deliveredEscrow();
    const rejected = await act(id, 'reject', { role: 'buyer', reason: 'changed my mind' });
    expect(rejected.status).toBe('returning');
    await ctx.env.sleep('6 days');
    expect((await view(id)).status).toBe('returning');
    await ctx.env.sleep('25 hours');
    await eventually(async () => expect((await view(id)).status).toBe('released'));
    await settled(id);
    expect(paidOut(id)).toEqual(['1470000']);
    expect(refunded(id)).toEqual([]);
    expect(await eventTypes(id)).toContain('return_lapsed');
    await expectLedgerBalanced();
  });

  it('a return the seller is silent on is assumed received: refunded', async () => {
    const { id } = await deliveredEscrow();
    await act(id, 'reject', { role: 'buyer', reason: 'not working' });
    await act(id, 'markReturnShipped', { role: 'buyer', carrier: 'GHN', trackingNumber: 'RET-2' });
    await ctx.env.sleep('2 days');
    expect((await view(id)).items[0]?.status).toBe('returning');
    await ctx.env.sleep('25 hours');
    await eventually(async () => expect((await view(id)).status).toBe('refunded'));
    await settled(id);
    expect(refunded(id)).toEqual(['1500000']);
    expect(paidOut(id)).toEqual([]);
    expect(await eventTypes(id)).toContain('return_receipt_assumed');
    await expectLedgerBalanced();
  });

  it('a return the seller disputes freezes the items until ops decide', async () => {
    const { id } = await deliveredEscrow({ items: TWO_ITEMS });
    await act(id, 'reject', { role: 'buyer', reason: 'broken', items: ['shoes'] });
    await act(id, 'markReturnShipped', {
      role: 'buyer',
      carrier: 'GHN',
      trackingNumber: 'RET-3',
      items: ['shoes'],
    });
    await act(id, 'accept', { role: 'buyer', items: ['socks'] });
    const disputed = await act(id, 'disputeReturn', {
      role: 'seller',
      reason: 'not_as_sent',
      details: 'A different pair came back',
      items: ['shoes'],
    });
    expect(disputed.status).toBe('disputed');
    expect(statuses(disputed)).toEqual({ shoes: 'disputed', socks: 'released' });
    expect(disputed.money).toMatchObject({ frozen: 900_000, releasable: 0 });
    expect(disputed.dispute).toMatchObject({ openedBy: 'seller', items: ['shoes'] });
    // Ops decide half and half: 450,000 to the seller (fee 9,000), 450,000 back.
    const resolved = await act(id, 'resolveDispute', {
      role: 'ops',
      outcome: 'split',
      sellerAmount: 450_000,
    });
    expect(resolved.status).toBe('split');
    expect(statuses(resolved)).toEqual({ shoes: 'split', socks: 'released' });
    await settled(id);
    expect(refunded(id)).toEqual(['450000']);
    expect([...paidOut(id)].sort()).toEqual(['441000', '588000']);
    expect(await eventTypes(id)).toEqual(
      expect.arrayContaining(['return_shipped', 'dispute_opened', 'dispute_resolved']),
    );
    await expectLedgerBalanced();
  });
});

describe('a dispute the seller opened', () => {
  // The seller-silence rule (sellerResponseWindow: "seller silent: buyer wins") is for a
  // dispute the buyer opened. When the seller disputes the return, the seller has spoken: the
  // dispute waits for ops (flagged at opsDecisionSla), it is not refunded for the seller's silence.
  it('a disputed return waits for ops past the seller response window, not refunded by it', async () => {
    const { id } = await deliveredEscrow();
    await act(id, 'reject', { role: 'buyer', reason: 'broken' });
    await act(id, 'markReturnShipped', { role: 'buyer', carrier: 'GHN', trackingNumber: 'RET-4' });
    await act(id, 'disputeReturn', {
      role: 'seller',
      reason: 'not_as_sent',
      details: 'The box came back empty',
    });
    await ctx.env.sleep('49 hours');
    const waiting = await view(id);
    expect(waiting.status).toBe('disputed');
    expect(waiting.dispute?.resolution).toBeUndefined();
    expect(refunded(id)).toEqual([]);
    const resolved = await act(id, 'resolveDispute', { role: 'ops', outcome: 'release' });
    expect(resolved.status).toBe('released');
    await settled(id);
    expect(paidOut(id)).toEqual(['1470000']);
  });
});
