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
  fc
    .tuple(fc.constantFrom('1', '2'), fc.boolean())
    .map(([refundId, ok]) =>
      ok
        ? { type: 'refundResult' as const, refundId, ok: true as const, pspRefundId: 'r' }
        : { type: 'refundResult' as const, refundId, ok: false as const, error: 'x' },
    ),
);

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

describe('escrow rules (property)', () => {
  it('never reaches an undefined state and always conserves money', () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40 }), (inputs) => {
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

  it('moves only along the rules table, and refuses (changing nothing) what the table forbids', () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40 }), (inputs) => {
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
});
