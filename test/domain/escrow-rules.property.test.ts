import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ActionInput,
  type EscrowInput,
  type EscrowState,
  held,
  initialState,
  rejectAction,
  step,
  withoutRecorded,
} from '../../domain/escrow.js';
import {
  ACTION_RULES,
  DEFAULT_WINDOWS,
  type EscrowStatus,
  isTerminal,
  type Role,
  STATUSES,
  TIMER_RULES,
  TIMERS,
  targetsOf,
} from '../../domain/lifecycle.js';

const AMOUNT = 1_000_000;
const terms = {
  escrowId: 'esc_prop',
  platformId: 'plt_prop',
  reference: 'order-1',
  buyerId: 'b',
  sellerId: 's',
  amount: AMOUNT,
  currency: 'VND',
  fee: 25_000,
  description: 'prop',
  payoutDestination: { bankCode: 'VCB', accountNumber: '1', accountName: 'A' },
  windows: DEFAULT_WINDOWS,
};

const role = fc.constantFrom<Role>('platform', 'buyer', 'seller', 'ops');
const action: fc.Arbitrary<ActionInput> = fc.oneof(
  fc.constant<ActionInput>({ action: 'markShipped', carrier: 'GHN', trackingNumber: 'T' }),
  fc.constant<ActionInput>({ action: 'markDelivered' }),
  fc.constant<ActionInput>({ action: 'accept' }),
  fc.constant<ActionInput>({ action: 'extendInspection' }),
  fc.constant<ActionInput>({ action: 'openDispute', reason: 'r', details: 'd' }),
  fc.constant<ActionInput>({ action: 'respondToDispute', message: 'm' }),
  fc.record({
    action: fc.constant('resolveDispute' as const),
    outcome: fc.constantFrom('release' as const, 'refund' as const, 'split' as const),
    sellerAmount: fc.integer({ min: -10, max: AMOUNT + 10 }),
  }),
  fc.constant<ActionInput>({ action: 'cancel', reason: 'r' }),
  fc.constant<ActionInput>({ action: 'retryPayout' }),
  fc.constant<ActionInput>({ action: 'retryRefund' }),
  fc.constant<ActionInput>({ action: 'retryRefund', refundId: '1', reason: 'corrected' }),
);
const input: fc.Arbitrary<EscrowInput> = fc.oneof(
  fc.tuple(action, role).map(([a, r]) => ({ ...a, type: 'action' as const, role: r })),
  fc.constantFrom(...TIMERS).map((timer) => ({ type: 'timer' as const, timer })),
  fc.record({
    type: fc.constant('payment' as const),
    providerTransactionId: fc.constantFrom('t1', 't2', 't3'),
    amount: fc.constantFrom(AMOUNT, AMOUNT, 999_999),
    currency: fc.constantFrom('VND', 'VND', 'USD'),
    paidAt: fc.constant(0),
    foundBy: fc.constantFrom(undefined, 'query' as const),
  }),
  fc.constant({ type: 'payoutStarted' as const }),
  fc
    .boolean()
    .map((ok) =>
      ok
        ? { type: 'payoutResult' as const, ok: true as const, payoutId: 'p' }
        : { type: 'payoutResult' as const, ok: false as const, error: 'declined' },
    ),
  fc.constantFrom('1', '2').map((refundId) => ({ type: 'refundStarted' as const, refundId })),
  fc.constant({ type: 'payoutPending' as const, payoutId: 'p' }),
  fc.constantFrom('1', '2').map((refundId) => ({ type: 'refundPending' as const, refundId })),
  fc.constant({ type: 'attention' as const, reason: 'reconciliation_mismatch', detail: 'd' }),
  fc
    .tuple(fc.constantFrom('1', '2'), fc.boolean())
    .map(([refundId, ok]) =>
      ok
        ? { type: 'refundResult' as const, refundId, ok: true as const, pspRefundId: 'r' }
        : { type: 'refundResult' as const, refundId, ok: false as const, error: 'x' },
    ),
);

/**
 * Inputs weighted towards money moving: payments that match, and the rail's answers to the
 * payouts and refunds they lead to, so deep states (a refund failed after a dispute) are common.
 */
const moneyInput: fc.Arbitrary<EscrowInput> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom('t1', 't2').map((providerTransactionId) => ({
      type: 'payment' as const,
      providerTransactionId,
      amount: AMOUNT,
      currency: 'VND',
      paidAt: 0,
    })),
  },
  // Actions by a role that may take them, so the deal gets somewhere.
  {
    weight: 8,
    arbitrary: fc.tuple(action, fc.nat()).map(([a, n]) => {
      const by = ACTION_RULES[a.action].by;
      return { ...a, type: 'action' as const, role: by[n % by.length] as Role };
    }),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...TIMERS).map((timer) => ({ type: 'timer' as const, timer })),
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
    arbitrary: fc
      .constantFrom('1', '2')
      .map((refundId) => ({ type: 'refundStarted' as const, refundId })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('1', '2'), fc.boolean())
      .map(([refundId, ok]) =>
        ok
          ? { type: 'refundResult' as const, refundId, ok: true as const, pspRefundId: 'r' }
          : { type: 'refundResult' as const, refundId, ok: false as const, error: 'x' },
      ),
  },
);

/** Every action a person could take, with arguments fitting the state. */
const candidateActions = (s: EscrowState): ActionInput[] => [
  { action: 'markShipped', carrier: 'GHN', trackingNumber: 'T' },
  { action: 'markDelivered' },
  { action: 'accept' },
  { action: 'extendInspection' },
  { action: 'openDispute', reason: 'r', details: 'd' },
  { action: 'respondToDispute', message: 'm' },
  { action: 'resolveDispute', outcome: 'release' },
  { action: 'resolveDispute', outcome: 'refund' },
  { action: 'resolveDispute', outcome: 'split', sellerAmount: Math.floor(held(s) / 2) },
  { action: 'cancel', reason: 'r' },
  { action: 'retryPayout' },
  { action: 'retryRefund' },
];
const ROLES: Role[] = ['platform', 'buyer', 'seller', 'ops'];

/** Where the escrow's money stands: what is held, and each payout and refund's progress. */
const moneyPosition = (s: EscrowState) =>
  JSON.stringify({
    held: held(s),
    payout: s.payout.status,
    refunds: s.refunds.map((r) => r.status),
  });

/** Money not yet where it ends: held, or owed to a seller or buyer and not yet paid out. */
const moneyOutstanding = (s: EscrowState): boolean =>
  held(s) > 0 ||
  ['pending', 'in_flight', 'failed'].includes(s.payout.status) ||
  s.refunds.some((r) => r.status !== 'succeeded');

/** The workflow or the rail will move it without anyone acting: a job to start or to answer. */
const movesByItself = (s: EscrowState): boolean =>
  ['pending', 'in_flight'].includes(s.payout.status) ||
  s.refunds.some((r) => r.status === 'pending' || r.status === 'in_flight');

/** Fires a timer only once its deadline has passed, as the workflow does. */
function run(
  inputs: EscrowInput[],
  check: (before: EscrowState, input: EscrowInput, after: EscrowState) => void,
) {
  let now = 1_000;
  let state = initialState(terms, now);
  for (const next of inputs) {
    now += 1_000;
    if (next.type === 'timer') now = Math.max(now, state.deadlines[next.timer] ?? now);
    const after = step(state, next, now);
    check(state, next, after);
    state = after;
  }
}

const paid: EscrowInput = {
  type: 'payment',
  providerTransactionId: 't1',
  amount: AMOUNT,
  currency: 'VND',
  paidAt: 0,
};
const by = (role: Role, input: ActionInput): EscrowInput => ({ ...input, type: 'action', role });
const delivered: EscrowInput[] = [
  paid,
  by('seller', { action: 'markShipped', carrier: 'GHN', trackingNumber: 'T' }),
  by('platform', { action: 'markDelivered' }),
];
/** One run into each stuck-looking state, so reaching them does not rest on the random draw. */
const STUCK_LOOKING: EscrowInput[][] = [
  [
    ...delivered,
    by('buyer', { action: 'accept' }),
    { type: 'payoutStarted' },
    { type: 'payoutResult', ok: false, error: 'declined' },
  ],
  [
    paid,
    by('platform', { action: 'cancel', reason: 'r' }),
    { type: 'refundStarted', refundId: '1' },
    { type: 'refundResult', refundId: '1', ok: false, error: 'x' },
  ],
  [...delivered, by('buyer', { action: 'openDispute', reason: 'r', details: 'd' })],
];

describe('escrow rules (property)', () => {
  it('never reaches an undefined state and always conserves money', () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40, size: 'max' }), (inputs) => {
        run(inputs, (_before, _input, s) => {
          expect(STATUSES).toContain(s.status);
          const m = s.money;
          for (const value of Object.values(m))
            expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
          // held = funded − released − fees − refunded, never negative
          expect(held(s)).toBeGreaterThanOrEqual(0);
          // money leaves only through release or refund, and only what was funded
          expect(m.released + m.fees + m.refunded).toBeLessThanOrEqual(m.funded);
          // a finished deal holds nothing
          if (isTerminal(s.status)) expect(held(s)).toBe(0);
          // the seller is paid only what was released to them
          expect(s.payout.amount).toBe(m.released);
          // timers run only in their own status
          for (const timer of Object.keys(s.deadlines)) {
            expect(TIMER_RULES[timer as keyof typeof TIMER_RULES].status).toBe(s.status);
          }
          // the timeline is gap-free
          expect(s.timeline.map((e) => e.seq)).toEqual(s.timeline.map((_, i) => i + 1));
        });
      }),
      { numRuns: 500 },
    );
  });

  it('never strands money: from every reachable state, an action or a timer moves what is held', () => {
    // Which stuck-looking states were reached: the property is not met by never reaching them.
    const reached = { refundFailed: 0, payoutFailed: 0, disputed: 0 };
    fc.assert(
      fc.property(fc.array(moneyInput, { minLength: 10, maxLength: 40, size: 'max' }), (inputs) => {
        run(inputs, (_before, _input, s) => {
          if (s.refunds.some((r) => r.status === 'failed')) reached.refundFailed += 1;
          if (s.payout.status === 'failed') reached.payoutFailed += 1;
          if (s.status === 'disputed') reached.disputed += 1;
          if (!moneyOutstanding(s) || movesByItself(s)) return;
          const position = moneyPosition(s);
          const byTimer = (
            Object.entries(s.deadlines) as Array<[keyof typeof TIMER_RULES, number]>
          ).some(
            ([timer, at]) => moneyPosition(step(s, { type: 'timer', timer }, at)) !== position,
          );
          const byAction = candidateActions(s).some((action) =>
            ROLES.some(
              (role) =>
                !rejectAction(s, action, role) &&
                moneyPosition(step(s, { ...action, type: 'action', role }, 0)) !== position,
            ),
          );
          expect(
            byTimer || byAction,
            `money stuck in ${s.status}: ${position}, attention ${s.attention.join(',')}`,
          ).toBe(true);
        });
      }),
      { numRuns: 500, examples: STUCK_LOOKING.map((inputs) => [inputs]) },
    );
    expect(Math.min(reached.refundFailed, reached.payoutFailed, reached.disputed)).toBeGreaterThan(
      0,
    );
  });

  it('moves only along the rules table, and refuses (changing nothing) what the table forbids', () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40, size: 'max' }), (inputs) => {
        run(inputs, (before, next, after) => {
          if (next.type === 'action') {
            const rejection = rejectAction(before, next, next.role);
            const rule = ACTION_RULES[next.action];
            if (!rule.by.includes(next.role) || !rule.from.includes(before.status))
              expect(rejection).toBeDefined();
            if (rejection) {
              expect(after).toEqual(before);
              return;
            }
            expect(targetsOf(next.action, before.status)).toContain(after.status);
          } else if (next.type === 'timer' && after.status !== before.status) {
            expect(TIMER_RULES[next.timer].status).toBe(before.status);
            expect(after.status).toBe(TIMER_RULES[next.timer].to);
          } else if (next.type !== 'timer') {
            // payments and PSP results never change the status by themselves, except funding
            const funded =
              before.status === 'awaiting_payment' && after.status === ('funded' as EscrowStatus);
            if (!funded) expect(after.status).toBe(before.status);
          }
        });
      }),
      { numRuns: 500 },
    );
  });
  it('decides the same once the workflow drops the events Postgres has from its timeline', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(input, fc.boolean()), { maxLength: 40, size: 'max' }),
        (steps) => {
          let now = 1_000;
          let full = initialState(terms, now);
          let lean = full;
          for (const [next, flushed] of steps) {
            now += 1_000;
            if (next.type === 'timer') now = Math.max(now, full.deadlines[next.timer] ?? now);
            full = step(full, next, now);
            lean = step(lean, next, now);
            if (flushed) lean = withoutRecorded(lean, lean.seq);
            const { timeline: fullTimeline, ...fullRest } = full;
            const { timeline: leanTimeline, ...leanRest } = lean;
            expect(leanRest).toEqual(fullRest);
            expect(leanTimeline).toEqual(
              fullTimeline.slice(fullTimeline.length - leanTimeline.length),
            );
            if (flushed) expect(leanTimeline).toEqual([]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
