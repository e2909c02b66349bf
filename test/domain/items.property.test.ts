import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ActionInput,
  availableActions,
  type EscrowInput,
  type EscrowState,
  type EscrowTerms,
  frozen,
  held,
  initialState,
  nextDeadline,
  rejectAction,
  step,
} from '../../domain/escrow.js';
import { isItemTerminal, itemDeadlines, itemHeld } from '../../domain/items.js';
import {
  ACTION_RULES,
  DEFAULT_WINDOWS,
  ITEM_STATUSES,
  type ItemStatus,
  isTerminal,
  itemTargetsOf,
  type Role,
  STATUSES,
  TIMER_RULES,
  TIMERS,
  type Timer,
} from '../../domain/lifecycle.js';

// Random orders: 1–4 items with their own amounts and inspection windows, released together or
// as milestones, driven by actions on random items, partial disputes, returns, timers and the
// rail's answers. The per-item and per-escrow books must balance after every step.

const DAY = 86_400_000;

const termsArb: fc.Arbitrary<EscrowTerms> = fc
  .record({
    amounts: fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 1, maxLength: 4 }),
    windows: fc.array(fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), {
      minLength: 4,
      maxLength: 4,
    }),
    feePercent: fc.integer({ min: 0, max: 100 }),
    milestones: fc.boolean(),
  })
  .map(({ amounts, windows, feePercent, milestones }) => {
    const amount = amounts.reduce((a, b) => a + b, 0);
    return {
      escrowId: 'esc_items',
      platformId: 'plt_items',
      reference: 'order-items',
      buyerId: 'b',
      sellerId: 's',
      amount,
      currency: 'VND',
      fee: Math.floor((amount * feePercent) / 100),
      description: 'cart',
      payoutDestination: { bankCode: 'VCB', accountNumber: '1', accountName: 'A' },
      windows: DEFAULT_WINDOWS,
      items: amounts.map((a, i) => ({
        id: `i${i}`,
        description: `item ${i}`,
        amount: a,
        ...(windows[i] === undefined ? {} : { inspectionWindow: (windows[i] as number) * DAY }),
      })),
      ...(milestones ? { release: 'milestones' as const } : {}),
    };
  });

const itemIds = fc.option(
  fc.uniqueArray(fc.constantFrom('i0', 'i1', 'i2', 'i3', 'nope'), { minLength: 1, maxLength: 3 }),
  { nil: undefined },
);
const withItems = (items: string[] | undefined) => (items === undefined ? {} : { items });

const actionArb: fc.Arbitrary<ActionInput> = fc.oneof(
  fc.constant<ActionInput>({ action: 'markShipped', carrier: 'GHN', trackingNumber: 'T' }),
  fc.constant<ActionInput>({ action: 'markDelivered' }),
  fc.constant<ActionInput>({ action: 'deliverMilestone' }),
  itemIds.map((items): ActionInput => ({ action: 'accept', ...withItems(items) })),
  fc.constant<ActionInput>({ action: 'extendInspection' }),
  fc.tuple(itemIds, fc.option(fc.integer({ min: -5, max: 3_000_000 }), { nil: undefined })).map(
    ([items, amount]): ActionInput => ({
      action: 'openDispute',
      reason: 'r',
      details: 'd',
      ...withItems(items),
      ...(amount === undefined ? {} : { amount }),
    }),
  ),
  fc.constant<ActionInput>({ action: 'respondToDispute', message: 'm' }),
  fc.record({
    action: fc.constant('resolveDispute' as const),
    outcome: fc.constantFrom('release' as const, 'refund' as const, 'split' as const),
    sellerAmount: fc.integer({ min: -10, max: 6_000_000 }),
  }),
  itemIds.map((items): ActionInput => ({ action: 'reject', reason: 'r', ...withItems(items) })),
  itemIds.map(
    (items): ActionInput => ({
      action: 'markReturnShipped',
      carrier: 'GHN',
      trackingNumber: 'R',
      ...withItems(items),
    }),
  ),
  itemIds.map((items): ActionInput => ({ action: 'confirmReturn', ...withItems(items) })),
  itemIds.map(
    (items): ActionInput => ({
      action: 'disputeReturn',
      reason: 'r',
      details: 'd',
      ...withItems(items),
    }),
  ),
  fc.constant<ActionInput>({ action: 'cancel', reason: 'r' }),
  fc.constant<ActionInput>({ action: 'retryPayout' }),
  fc.constant<ActionInput>({ action: 'retryRefund' }),
);

const ROLES: Role[] = ['platform', 'buyer', 'seller', 'ops'];
const refundIds = fc.constantFrom('1', '2', '3', '4');

/** Inputs that mostly make sense: actions by a role allowed to take them, timers, PSP answers. */
const inputArb: fc.Arbitrary<EscrowInput> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.tuple(actionArb, fc.nat()).map(([a, n]) => {
      const by = ACTION_RULES[a.action].by;
      return { ...a, type: 'action' as const, role: by[n % by.length] as Role };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(actionArb, fc.constantFrom(...ROLES))
      .map(([a, role]) => ({ ...a, type: 'action' as const, role })),
  },
  {
    weight: 5,
    arbitrary: fc.constantFrom(...TIMERS).map((timer) => ({ type: 'timer' as const, timer })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('t1', 't2').map((providerTransactionId) => ({
      type: 'payment' as const,
      providerTransactionId,
      amount: -1, // replaced by the escrow's amount, or off by one, in run()
      currency: 'VND',
      paidAt: 0,
    })),
  },
  { weight: 2, arbitrary: fc.constant({ type: 'payoutStarted' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .boolean()
      .map((ok) =>
        ok
          ? { type: 'payoutResult' as const, ok: true as const, payoutId: 'p' }
          : { type: 'payoutResult' as const, ok: false as const, error: 'declined' },
      ),
  },
  {
    weight: 2,
    arbitrary: refundIds.map((refundId) => ({ type: 'refundStarted' as const, refundId })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(refundIds, fc.boolean())
      .map(([refundId, ok]) =>
        ok
          ? { type: 'refundResult' as const, refundId, ok: true as const, pspRefundId: 'r' }
          : { type: 'refundResult' as const, refundId, ok: false as const, error: 'x' },
      ),
  },
);

/** Often starts paid, shipped and delivered, so the deep states (returns, partial freezes) are common. */
const deepInputs = fc
  .tuple(fc.boolean(), fc.array(inputArb, { minLength: 10, maxLength: 50, size: 'max' }))
  .map(([head, rest]): EscrowInput[] =>
    head
      ? [
          { type: 'payment', providerTransactionId: 't1', amount: -1, currency: 'VND', paidAt: 0 },
          {
            type: 'action',
            role: 'seller',
            action: 'markShipped',
            carrier: 'GHN',
            trackingNumber: 'T',
          },
          { type: 'action', role: 'platform', action: 'markDelivered' },
          { type: 'action', role: 'seller', action: 'deliverMilestone' },
          ...rest,
        ]
      : rest,
  );

/** Plays the inputs; a timer fires at its deadline (the next one when it has none running). */
function run(
  terms: EscrowTerms,
  inputs: EscrowInput[],
  check: (s: EscrowState, before: EscrowState, input: EscrowInput) => void,
): EscrowState {
  let now = 1_000;
  let state = initialState(terms, now);
  for (const raw of inputs) {
    now += 1_000;
    let input = raw;
    if (input.type === 'payment') {
      const off = input.providerTransactionId === 't2' ? 1 : 0;
      input = { ...input, amount: terms.amount + off };
    }
    if (input.type === 'timer') now = Math.max(now, nextDeadline(state)?.at ?? now);
    const after = step(state, input, now);
    check(after, state, input);
    state = after;
  }
  return state;
}

/** Refunds of payments that did not fund the escrow: no item's money. */
const strayRefunds = (s: EscrowState): number =>
  s.timeline
    .filter((e) => e.type === 'payment_rejected')
    .reduce((sum, e) => sum + (e.data.amount as number), 0);

/**
 * Each item an action or an item timer moved went where the rules table says: the rule's
 * target, or split / disputed when only part of its money went that way; a milestone may start.
 */
function checkItemMoves(before: EscrowState, after: EscrowState, input: EscrowInput): void {
  let targets: (from: ItemStatus) => ItemStatus[];
  if (input.type === 'action' && ACTION_RULES[input.action].items) {
    targets = (from) => itemTargetsOf(input.action, from);
  } else if (input.type === 'timer' && TIMER_RULES[input.timer].item) {
    const rule = TIMER_RULES[input.timer].item as { status: ItemStatus; to: ItemStatus };
    targets = (from) => (from === rule.status ? [rule.to] : []);
    // every item whose deadline passed moves on
    const now = after.timeline.at(-1)?.at ?? 0;
    before.items.forEach((item, index) => {
      if (item.status === rule.status && item.deadline !== undefined && item.deadline <= now)
        expect(after.items[index]?.status, `${item.id} due at ${input.timer}`).not.toBe(
          item.status,
        );
    });
  } else return;
  after.items.forEach((item, index) => {
    const from = before.items[index]?.status as ItemStatus;
    if (item.status === from) return;
    if (from === 'awaiting' && item.status === 'in_progress') return;
    const allowed = targets(from);
    expect(
      [...allowed, ...(allowed.length > 0 ? ['split', 'disputed'] : [])],
      `${item.id}: ${from} → ${item.status} by ${JSON.stringify(input)}`,
    ).toContain(item.status);
  });
}

/** Paid out so far, plus what is on its way to the seller. */
function owedToSeller(s: EscrowState): number {
  const paid = s.timeline
    .filter((e) => e.type === 'payout_succeeded')
    .reduce((sum, e) => sum + (e.data.amount as number), 0);
  const current = ['pending', 'in_flight', 'failed'].includes(s.payout.status)
    ? s.payout.amount
    : 0;
  return paid + current + (s.payout.unpaid ?? 0);
}

function checkBooks(s: EscrowState): void {
  expect(STATUSES).toContain(s.status);
  const funded = s.payment !== undefined;
  let itemsHeld = 0;
  for (const item of s.items) {
    expect(ITEM_STATUSES).toContain(item.status);
    const h = itemHeld(s, item);
    for (const value of [h, item.frozen, item.released, item.fees, item.refunded])
      expect(Number.isSafeInteger(value) && value >= 0, `${item.id} ${JSON.stringify(item)}`).toBe(
        true,
      );
    // per item: paid = released + fees + refunded + held
    if (funded) expect(item.released + item.fees + item.refunded + h).toBe(item.amount);
    else expect(item.released + item.fees + item.refunded).toBe(0);
    expect(item.frozen).toBeLessThanOrEqual(h);
    if (isItemTerminal(item)) expect(h).toBe(0);
    if (item.status === 'disputed') expect(item.frozen).toBe(h);
    itemsHeld += h;
  }
  // per escrow: what the items hold is what the escrow holds (stray payments are refunded at once)
  expect(held(s)).toBe(itemsHeld);
  const m = s.money;
  expect(m.released).toBe(s.items.reduce((sum, i) => sum + i.released, 0));
  expect(m.fees).toBe(s.items.reduce((sum, i) => sum + i.fees, 0));
  expect(m.refunded - strayRefunds(s)).toBe(s.items.reduce((sum, i) => sum + i.refunded, 0));
  expect(m.fees).toBeLessThanOrEqual(s.terms.fee);
  expect(m.released + m.fees + m.refunded + held(s)).toBe(m.funded);
  // never refunds more than was paid
  expect(s.refunds.reduce((sum, r) => sum + r.amount, 0)).toBeLessThanOrEqual(m.funded);
  expect(m.refunded).toBe(s.refunds.reduce((sum, r) => sum + r.amount, 0));
  // the seller is owed exactly what was released to them
  expect(owedToSeller(s)).toBe(m.released);
  if (isTerminal(s.status)) {
    expect(held(s)).toBe(0);
    expect(s.items.every(isItemTerminal)).toBe(true);
  }
  // frozen money belongs to an open dispute
  if (frozen(s) > 0) expect(s.dispute && !s.dispute.resolution).toBe(true);
  // milestones: one at a time
  if (s.terms.release === 'milestones') {
    const active = s.items.filter((i) => !isItemTerminal(i) && i.status !== 'awaiting');
    expect(active.filter((i) => i.status !== 'disputed').length).toBeLessThanOrEqual(1);
  }
  expect(s.timeline.map((e) => e.seq)).toEqual(s.timeline.map((_, i) => i + 1));
}

/** Actions a person could take now, on every single item and on all. */
function candidates(s: EscrowState): ActionInput[] {
  const each = s.items.map((i) => [i.id]);
  return [
    { action: 'markShipped', carrier: 'GHN', trackingNumber: 'T' },
    { action: 'markDelivered' },
    { action: 'deliverMilestone' },
    { action: 'accept' },
    ...each.map((items): ActionInput => ({ action: 'accept', items })),
    { action: 'openDispute', reason: 'r', details: 'd' },
    { action: 'resolveDispute', outcome: 'release' },
    { action: 'resolveDispute', outcome: 'refund' },
    { action: 'reject', reason: 'r' },
    { action: 'markReturnShipped', carrier: 'GHN', trackingNumber: 'R' },
    { action: 'confirmReturn' },
    { action: 'cancel', reason: 'r' },
    { action: 'retryPayout' },
    { action: 'retryRefund' },
  ];
}

const position = (s: EscrowState) =>
  JSON.stringify({
    held: held(s),
    items: s.items.map((i) => i.status),
    payout: s.payout.status,
    refunds: s.refunds.map((r) => r.status),
  });

describe('items, partial disputes, returns and milestones (property)', () => {
  it('conserve money per item and per escrow, and never refund more than was paid', () => {
    fc.assert(
      fc.property(
        termsArb,
        fc.oneof(deepInputs, fc.array(inputArb, { maxLength: 60 })),
        (terms, inputs) => {
          run(terms, inputs, (s, before, input) => {
            checkBooks(s);
            checkItemMoves(before, s, input);
            if (input.type === 'action' && rejectAction(before, input, input.role)) {
              expect(s).toEqual(before);
            }
          });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('lists as allowed exactly the input-free actions the validator accepts', () => {
    fc.assert(
      fc.property(termsArb, fc.array(inputArb, { maxLength: 40, size: 'max' }), (terms, inputs) => {
        run(terms, inputs, (s) => {
          for (const role of ROLES) {
            const allowed = availableActions(s, role);
            for (const action of [
              'markDelivered',
              'deliverMilestone',
              'accept',
              'confirmReturn',
            ] as const) {
              const accepted = !rejectAction(s, { action } as ActionInput, role);
              expect(allowed.includes(action), `${action} by ${role} in ${s.status}`).toBe(
                accepted,
              );
            }
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('never strands money: an action or a timer always moves what is held', () => {
    const reached = { partial: 0, returning: 0, milestone: 0 };
    fc.assert(
      fc.property(termsArb, deepInputs, (terms, inputs) => {
        run(terms, inputs, (s) => {
          if (s.items.some((i) => i.frozen > 0 && i.status !== 'disputed')) reached.partial += 1;
          if (s.status === 'returning') reached.returning += 1;
          if (s.items.some((i) => i.status === 'in_progress')) reached.milestone += 1;
          const moving =
            ['pending', 'in_flight'].includes(s.payout.status) ||
            s.refunds.some((r) => r.status === 'pending' || r.status === 'in_flight');
          if (held(s) === 0 || moving) return;
          const before = position(s);
          const deadlines = { ...itemDeadlines(s), ...s.deadlines } as Record<Timer, number>;
          const byTimer = Object.entries(deadlines).some(
            ([timer, at]) =>
              position(step(s, { type: 'timer', timer: timer as Timer }, at)) !== before,
          );
          const byAction = candidates(s).some((action) =>
            ROLES.some(
              (role) =>
                !rejectAction(s, action, role) &&
                position(step(s, { ...action, type: 'action', role }, s.statusSince + 1)) !==
                  before,
            ),
          );
          expect(byTimer || byAction, `stuck: ${s.status} ${before}`).toBe(true);
        });
      }),
      { numRuns: 400 },
    );
    expect(
      Math.min(reached.partial, reached.returning, reached.milestone),
      JSON.stringify(reached),
    ).toBeGreaterThan(0);
  });
});
