// The escrow state machine as a pure reducer: (state, input, now) → new state + the facts to
// record. The workflow applies it and carries out the money movements; the property test runs
// it directly. Amounts are safe integers in minor units (JSON-friendly for Temporal payloads);
// every multiplication goes through BigInt, and the ledger code works in bigint throughout.
import {
  ACTION_RULES,
  type Action,
  actionsAllowedIn,
  type EscrowStatus,
  isTerminal,
  LATE_PAYMENT_GRACE_MS,
  type Role,
  TIMER_RULES,
  type Timer,
  timersIn,
} from './lifecycle.js';
import type { Rail } from './rails.js';

export interface PayoutDestination {
  bankCode: string;
  accountNumber: string;
  accountName: string;
}

/** The PSP's payment link; its date names the payment again in queries and refunds. */
export interface PaymentLinkInfo {
  url: string;
  expiresAt: string;
  /** The provider's transaction date (VNPay vnp_CreateDate). */
  createdAt: string;
}

/** One line of the order; its money is held, inspected, disputed and settled on its own. */
export interface ItemTerms {
  id: string;
  description: string;
  /** The line's total, in minor units; the escrow's items sum to its amount. */
  amount: number;
  quantity?: number;
  /** This item's own inspection window, in milliseconds; the escrow's when absent. */
  inspectionWindow?: number;
}

/** `together`: one shipment, items inspected side by side. `milestones`: one after another. */
export type ReleaseMode = 'together' | 'milestones';

export interface EscrowTerms {
  escrowId: string;
  platformId: string;
  reference: string;
  buyerId: string;
  sellerId: string;
  amount: number;
  currency: string;
  /** Platform fee, in minor units, taken from the seller's side on release. */
  fee: number;
  description: string;
  payoutDestination: PayoutDestination;
  /** The buyer's account, where a rail that cannot refund (payOS) pays refunds out to. */
  refundDestination?: PayoutDestination;
  windows: Record<Timer, number>;
  /** How long a payment may still arrive after an unpaid escrow ends; default LATE_PAYMENT_GRACE_MS. */
  latePaymentGrace?: number;
  /** The collection rail the buyer pays through; absent (older histories): VNPay. */
  rail?: Rail;
  /** The order's lines; absent: one implicit item for the whole amount. */
  items?: ItemTerms[];
  /** How the items are delivered and released; absent: together. */
  release?: ReleaseMode;
  /**
   * One seller's part of a multi-seller checkout: the checkout owns the one payment (its link,
   * its payment window); this escrow is funded with its share, or expired, when the checkout says.
   */
  checkout?: { checkoutId: string };
}

export type RefundStatus = 'pending' | 'in_flight' | 'succeeded' | 'failed';
export type PayoutStatus = 'not_due' | 'pending' | 'in_flight' | 'paid' | 'failed';

export interface RefundJob {
  id: string;
  amount: number;
  /** The PSP transaction being refunded. */
  paymentTransactionId: string;
  paidAt: number;
  reason: string;
  status: RefundStatus;
  /** Sends to the rail so far; each one has its own idempotency key and ledger reservation. */
  attempts?: number;
  pspRefundId?: string;
  lastError?: string;
}

export interface PayoutJob {
  status: PayoutStatus;
  amount: number;
  attempts: number;
  destination: PayoutDestination;
  payoutId?: string;
  lastError?: string;
}

export interface Dispute {
  reason: string;
  details: string;
  openedAt: number;
  sellerResponse?: { message: string; at: number };
  escalated: boolean;
  resolution?: {
    outcome: 'release' | 'refund' | 'split';
    sellerAmount: number;
    buyerAmount: number;
    at: number;
  };
}

export type MoneyMovement =
  | { kind: 'funding'; amount: number; paymentTransactionId: string }
  | { kind: 'release'; sellerAmount: number; fee: number }
  | { kind: 'refund'; amount: number; refundId: string }
  | { kind: 'payout_reserve'; amount: number; attempt: number }
  | { kind: 'payout_settle'; attempt: number }
  | { kind: 'payout_void'; attempt: number }
  | { kind: 'refund_reserve'; amount: number; refundId: string; attempt?: number }
  | { kind: 'refund_settle'; refundId: string; attempt?: number }
  | { kind: 'refund_void'; refundId: string; attempt?: number };

/** A fact in the escrow's timeline; recorded in Postgres with its sequence number. */
export interface EscrowEvent {
  seq: number;
  type: string;
  at: number;
  status: EscrowStatus;
  data: Record<string, unknown>;
  money?: MoneyMovement;
}

export interface EscrowState {
  terms: EscrowTerms;
  status: EscrowStatus;
  statusSince: number;
  deadlines: Partial<Record<Timer, number>>;
  inspectionExtended: boolean;
  payment?: { providerTransactionId: string; amount: number; currency: string; paidAt: number };
  seenPayments: string[];
  shipment?: { carrier: string; trackingNumber: string; shippedAt: number };
  deliveredAt?: number;
  dispute?: Dispute;
  cancelReason?: string;
  money: { funded: number; released: number; fees: number; refunded: number };
  payout: PayoutJob;
  refunds: RefundJob[];
  attention: string[];
  /** Facts Postgres refused for good: they stay in the workflow's timeline, not in the store. */
  unrecorded: Array<{ seq: number; type: string; error: string; movesMoney: boolean }>;
  /** The workflow may finish once terminal, jobs done and this time passed (late payments). */
  closeAfter?: number;
  seq: number;
  timeline: EscrowEvent[];
}

export type ActionInput =
  | { action: 'markShipped'; carrier: string; trackingNumber: string }
  | { action: 'markDelivered' }
  | { action: 'accept' }
  | { action: 'extendInspection' }
  | { action: 'openDispute'; reason: string; details: string }
  | { action: 'respondToDispute'; message: string }
  | { action: 'resolveDispute'; outcome: 'release' | 'refund' | 'split'; sellerAmount?: number }
  | { action: 'cancel'; reason: string }
  | { action: 'retryPayout'; destination?: PayoutDestination }
  | { action: 'retryRefund'; refundId?: string; reason?: string };

/** Who takes an action: the role the rules check, and who exactly, for the event log. */
export interface Actor {
  role: Role;
  /** The platform's id, `buyer-token`, `seller-token` or `ops`, as the API authenticated it. */
  actorId?: string;
}

export type EscrowInput =
  | (ActionInput & Actor & { type: 'action' })
  | { type: 'timer'; timer: Timer }
  | {
      type: 'payment';
      providerTransactionId: string;
      amount: number;
      currency: string;
      paidAt: number;
      /** `query`: the rail said so when asked (the IPN never came); absent: its callback. */
      foundBy?: 'query';
    }
  | { type: 'attention'; reason: string; detail: string }
  /** The escrow's checkout went unpaid: its escrows expire together. */
  | { type: 'checkoutExpired' }
  | { type: 'payoutStarted' }
  | { type: 'payoutPending'; payoutId?: string }
  | { type: 'refundPending'; refundId: string; pspRefundId?: string }
  | { type: 'recordFailed'; seq: number; error: string }
  | { type: 'payoutResult'; ok: true; payoutId: string }
  | { type: 'payoutResult'; ok: false; error: string }
  | { type: 'refundStarted'; refundId: string }
  | { type: 'refundResult'; refundId: string; ok: true; pspRefundId: string }
  | { type: 'refundResult'; refundId: string; ok: false; error: string };

export type RejectionCode = 'forbidden' | 'invalid_state' | 'invalid_argument';

export interface Rejection {
  code: RejectionCode;
  message: string;
  status: EscrowStatus;
  allowedActions: Action[];
}

export const held = (s: EscrowState): number =>
  s.money.funded - s.money.released - s.money.fees - s.money.refunded;

/** Fee charged on a part of the escrow: proportional, rounded down (in the seller's favour). */
export const proratedFee = (fee: number, part: number, whole: number): number =>
  whole === 0 ? 0 : Number((BigInt(fee) * BigInt(part)) / BigInt(whole));

export function initialState(terms: EscrowTerms, now: number): EscrowState {
  const state: EscrowState = {
    terms,
    status: 'awaiting_payment',
    statusSince: now,
    deadlines: {},
    inspectionExtended: false,
    seenPayments: [],
    money: { funded: 0, released: 0, fees: 0, refunded: 0 },
    payout: { status: 'not_due', amount: 0, attempts: 0, destination: terms.payoutDestination },
    refunds: [],
    attention: [],
    unrecorded: [],
    seq: 0,
    timeline: [],
  };
  enter(state, 'awaiting_payment', now);
  record(state, now, 'created', { amount: terms.amount, currency: terms.currency, fee: terms.fee });
  return state;
}

/** What Postgres keeps of an escrow whose workflow has closed (store/closed-escrows.ts). */
export interface ClosedEscrow {
  terms: EscrowTerms;
  status: EscrowStatus;
  lastSeq: number;
  money: EscrowState['money'];
  payout: Pick<PayoutJob, 'status' | 'amount' | 'attempts' | 'payoutId'>;
  refunds: Array<Pick<RefundJob, 'id' | 'amount' | 'reason'>>;
  attention: string[];
  /** Every provider transaction the escrow has booked (funded or refunded). */
  seenPayments: string[];
  paymentLink?: PaymentLinkInfo;
}

/**
 * A closed escrow, picked up again. Its workflow closed only once everything had settled, so
 * every refund is done and nothing runs; the timeline continues after the last recorded event.
 */
export function resumedState(closed: ClosedEscrow, now: number): EscrowState {
  return {
    terms: closed.terms,
    status: closed.status,
    statusSince: now,
    deadlines: {},
    inspectionExtended: false,
    seenPayments: [...closed.seenPayments],
    money: { ...closed.money },
    payout: { ...closed.payout, destination: closed.terms.payoutDestination },
    refunds: closed.refunds.map((r) => ({
      ...r,
      paymentTransactionId: '',
      paidAt: 0,
      status: 'succeeded' as const,
    })),
    attention: [...closed.attention],
    unrecorded: [],
    closeAfter: now,
    seq: closed.lastSeq,
    timeline: [],
  };
}

/** Why an action may not be taken now, or `undefined` when it may. Used by Update validators. */
export function rejectAction(
  state: EscrowState,
  input: ActionInput,
  role: Role,
): Rejection | undefined {
  const rule = ACTION_RULES[input.action];
  const reject = (code: RejectionCode, message: string): Rejection => ({
    code,
    message,
    status: state.status,
    allowedActions: actionsAllowedIn(state.status, role),
  });
  if (!rule.by.includes(role)) return reject('forbidden', `${role} may not ${input.action}`);
  if (!rule.from.includes(state.status)) {
    return reject(
      'invalid_state',
      `${input.action} is not allowed while the escrow is ${state.status}`,
    );
  }
  switch (input.action) {
    case 'extendInspection':
      if (state.inspectionExtended)
        return reject('invalid_state', 'the inspection window was already extended once');
      return undefined;
    case 'respondToDispute':
      if (state.dispute?.sellerResponse)
        return reject('invalid_state', 'the seller has already responded');
      return undefined;
    case 'resolveDispute': {
      if (input.outcome !== 'split') return undefined;
      const amount = input.sellerAmount;
      if (
        amount === undefined ||
        !Number.isSafeInteger(amount) ||
        amount <= 0 ||
        amount >= held(state)
      ) {
        return reject(
          'invalid_argument',
          `a split needs sellerAmount strictly between 0 and the held amount ${held(state)}`,
        );
      }
      return undefined;
    }
    case 'retryPayout':
      if (state.payout.status !== 'failed') {
        return reject(
          'invalid_state',
          `no failed payout to retry (payout is ${state.payout.status})`,
        );
      }
      return undefined;
    case 'retryRefund': {
      const failed = state.refunds.filter((r) => r.status === 'failed');
      if (failed.length === 0) return reject('invalid_state', 'no failed refund to retry');
      if (input.refundId !== undefined && !failed.some((r) => r.id === input.refundId)) {
        return reject(
          'invalid_argument',
          `refund ${input.refundId} has not failed; failed: ${failed.map((r) => r.id).join(', ')}`,
        );
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Applies one input. Inputs that make no sense now (a stale timer, a duplicate) change nothing. */
export function step(state: EscrowState, input: EscrowInput, now: number): EscrowState {
  // JSON copy: the state is plain data, and structuredClone is not in every sandbox.
  const s: EscrowState = JSON.parse(JSON.stringify(state));
  const before = s.timeline.length;
  applyInput(s, input, now);
  // Every fact of one step carries the status the step ended in.
  for (const event of s.timeline.slice(before)) event.status = s.status;
  return s;
}

function applyInput(s: EscrowState, input: EscrowInput, now: number): void {
  switch (input.type) {
    case 'action':
      if (rejectAction(s, input, input.role)) return;
      applyAction(s, input, now);
      break;
    case 'timer':
      applyTimer(s, input.timer, now);
      break;
    case 'payment':
      applyPayment(s, input, now);
      break;
    case 'checkoutExpired':
      if (s.status !== 'awaiting_payment') return;
      record(s, now, 'expired', { checkoutId: s.terms.checkout?.checkoutId });
      enter(s, 'expired', now);
      s.closeAfter = now + latePaymentGrace(s);
      break;
    case 'attention':
      flag(s, input.reason);
      record(s, now, 'attention_flagged', { reason: input.reason, detail: input.detail });
      break;
    case 'payoutPending':
      if (s.payout.status !== 'in_flight') return;
      if (input.payoutId !== undefined) s.payout.payoutId = input.payoutId;
      record(s, now, 'payout_pending', {
        attempt: s.payout.attempts,
        ...(input.payoutId === undefined ? {} : { payoutId: input.payoutId }),
      });
      break;
    case 'refundPending': {
      const refund = s.refunds.find((r) => r.id === input.refundId);
      if (refund?.status !== 'in_flight') return;
      if (input.pspRefundId !== undefined) refund.pspRefundId = input.pspRefundId;
      record(s, now, 'refund_pending', { refundId: refund.id, attempt: refundAttempt(refund) });
      break;
    }
    case 'payoutStarted':
      if (s.payout.status !== 'pending') return;
      s.payout.status = 'in_flight';
      s.payout.attempts += 1;
      record(
        s,
        now,
        'payout_started',
        { amount: s.payout.amount, attempt: s.payout.attempts },
        {
          kind: 'payout_reserve',
          amount: s.payout.amount,
          attempt: s.payout.attempts,
        },
      );
      break;
    case 'recordFailed': {
      const event = s.timeline.find((e) => e.seq === input.seq);
      if (!event || s.unrecorded.some((u) => u.seq === input.seq)) return;
      s.unrecorded.push({
        seq: event.seq,
        type: event.type,
        error: input.error,
        movesMoney: event.money !== undefined,
      });
      flag(s, 'record_failed');
      break;
    }
    case 'payoutResult':
      if (s.payout.status !== 'in_flight') return;
      if (input.ok) {
        s.payout.status = 'paid';
        s.payout.payoutId = input.payoutId;
        record(
          s,
          now,
          'payout_succeeded',
          { payoutId: input.payoutId, amount: s.payout.amount },
          {
            kind: 'payout_settle',
            attempt: s.payout.attempts,
          },
        );
      } else {
        s.payout.status = 'failed';
        s.payout.lastError = input.error;
        flag(s, 'payout_failed');
        record(
          s,
          now,
          'payout_failed',
          { error: input.error, attempt: s.payout.attempts },
          {
            kind: 'payout_void',
            attempt: s.payout.attempts,
          },
        );
      }
      break;
    case 'refundStarted': {
      const refund = s.refunds.find((r) => r.id === input.refundId);
      if (refund?.status !== 'pending') return;
      refund.status = 'in_flight';
      refund.attempts = (refund.attempts ?? 0) + 1;
      const attempt = attemptField(refund);
      record(
        s,
        now,
        'refund_started',
        { refundId: refund.id, amount: refund.amount, ...attempt },
        { kind: 'refund_reserve', amount: refund.amount, refundId: refund.id, ...attempt },
      );
      break;
    }
    case 'refundResult': {
      const refund = s.refunds.find((r) => r.id === input.refundId);
      if (refund?.status !== 'in_flight') return;
      if (input.ok) {
        refund.status = 'succeeded';
        refund.pspRefundId = input.pspRefundId;
        record(
          s,
          now,
          'refund_succeeded',
          { refundId: refund.id, amount: refund.amount },
          { kind: 'refund_settle', refundId: refund.id, ...attemptField(refund) },
        );
      } else {
        refund.status = 'failed';
        refund.lastError = input.error;
        flag(s, 'refund_failed');
        record(
          s,
          now,
          'refund_failed',
          { refundId: refund.id, error: input.error },
          { kind: 'refund_void', refundId: refund.id, ...attemptField(refund) },
        );
      }
      break;
    }
  }
}

function applyAction(s: EscrowState, input: ActionInput & Actor, now: number): void {
  const by = actorData(input);
  switch (input.action) {
    case 'markShipped':
      s.shipment = { carrier: input.carrier, trackingNumber: input.trackingNumber, shippedAt: now };
      record(s, now, 'shipped', {
        ...by,
        carrier: input.carrier,
        trackingNumber: input.trackingNumber,
      });
      enter(s, 'shipped', now);
      return;
    case 'markDelivered':
      deliver(s, now, by);
      return;
    case 'accept':
      record(s, now, 'accepted', by);
      releaseAll(s, now);
      return;
    case 'extendInspection': {
      s.inspectionExtended = true;
      const deadline = (s.deadlines.inspectionWindow ?? now) + s.terms.windows.inspectionWindow;
      s.deadlines.inspectionWindow = deadline;
      record(s, now, 'inspection_extended', { ...by, until: new Date(deadline).toISOString() });
      return;
    }
    case 'openDispute':
      s.dispute = { reason: input.reason, details: input.details, openedAt: now, escalated: false };
      record(s, now, 'dispute_opened', { ...by, reason: input.reason });
      enter(s, 'disputed', now);
      return;
    case 'respondToDispute':
      if (!s.dispute) return;
      s.dispute.sellerResponse = { message: input.message, at: now };
      delete s.deadlines.sellerResponseWindow;
      record(s, now, 'dispute_responded', by);
      return;
    case 'resolveDispute':
      resolve(s, input.outcome, input.sellerAmount, now, by);
      return;
    case 'cancel':
      s.cancelReason = input.reason;
      if (s.status === 'awaiting_payment') {
        record(s, now, 'cancelled', { ...by, reason: input.reason });
        enter(s, 'cancelled', now);
        s.closeAfter = now + latePaymentGrace(s);
      } else {
        record(s, now, 'cancelled_after_funding', { ...by, reason: input.reason });
        refundAll(s, now, `cancelled: ${input.reason}`);
      }
      return;
    case 'retryPayout':
      if (input.destination) s.payout.destination = input.destination;
      s.payout.status = 'pending';
      delete s.payout.lastError;
      unflag(s, 'payout_failed');
      record(s, now, 'payout_retry_requested', by);
      return;
    case 'retryRefund': {
      const retried = s.refunds.filter(
        (r) => r.status === 'failed' && (input.refundId === undefined || r.id === input.refundId),
      );
      for (const refund of retried) {
        refund.status = 'pending';
        if (input.reason !== undefined) refund.reason = input.reason;
        delete refund.lastError;
      }
      if (!s.refunds.some((r) => r.status === 'failed')) unflag(s, 'refund_failed');
      record(s, now, 'refund_retry_requested', {
        ...by,
        refundIds: retried.map((r) => r.id),
        ...(input.reason === undefined ? {} : { reason: input.reason }),
      });
      return;
    }
  }
}

/**
 * The refund's send count. Jobs from before retries existed have no count: their one send is
 * attempt 1, and its idempotency key and ledger entry carry no attempt suffix.
 */
const refundAttempt = (refund: RefundJob): number => refund.attempts ?? 1;

/** The attempt, in events and movements, from the second send on only (older keys stay). */
const attemptField = (refund: RefundJob): { attempt?: number } =>
  refundAttempt(refund) > 1 ? { attempt: refundAttempt(refund) } : {};

function applyTimer(s: EscrowState, timer: Timer, now: number): void {
  const deadline = s.deadlines[timer];
  if (deadline === undefined || deadline > now || TIMER_RULES[timer].status !== s.status) return;
  delete s.deadlines[timer];
  switch (timer) {
    case 'paymentWindow':
      record(s, now, 'expired', {});
      enter(s, 'expired', now);
      s.closeAfter = now + latePaymentGrace(s);
      return;
    case 'shippingWindow':
      record(s, now, 'shipping_window_elapsed', {});
      refundAll(s, now, 'not shipped in time');
      return;
    case 'deliveryWindow':
      deliver(s, now, { by: 'timer' });
      return;
    case 'inspectionWindow':
      record(s, now, 'inspection_elapsed', {});
      releaseAll(s, now);
      return;
    case 'sellerResponseWindow':
      record(s, now, 'seller_response_elapsed', {});
      resolve(s, 'refund', undefined, now);
      return;
    case 'opsDecisionSla':
      if (s.dispute) s.dispute.escalated = true;
      flag(s, 'dispute_overdue');
      record(s, now, 'dispute_escalated', {});
      return;
  }
}

function applyPayment(
  s: EscrowState,
  p: Extract<EscrowInput, { type: 'payment' }>,
  now: number,
): void {
  if (s.seenPayments.includes(p.providerTransactionId)) return;
  s.seenPayments.push(p.providerTransactionId);
  const matches = p.amount === s.terms.amount && p.currency === s.terms.currency;
  // Money that reached the PSP is booked either way; only a matching first payment funds the deal.
  s.money.funded += p.amount;
  const payment = {
    providerTransactionId: p.providerTransactionId,
    amount: p.amount,
    currency: p.currency,
    paidAt: p.paidAt,
  };
  const foundBy = p.foundBy === undefined ? {} : { foundBy: p.foundBy };
  const funding: MoneyMovement = {
    kind: 'funding',
    amount: p.amount,
    paymentTransactionId: p.providerTransactionId,
  };
  if (s.status === 'awaiting_payment' && matches) {
    s.payment = payment;
    record(
      s,
      now,
      'payment_confirmed',
      { providerTransactionId: p.providerTransactionId, amount: p.amount, ...foundBy },
      funding,
    );
    enter(s, 'funded', now);
    return;
  }
  const reason = !matches ? 'amount_mismatch' : 'late_or_duplicate_payment';
  if (!matches) flag(s, 'amount_mismatch');
  record(
    s,
    now,
    'payment_rejected',
    {
      reason,
      providerTransactionId: p.providerTransactionId,
      amount: p.amount,
      currency: p.currency,
      ...foundBy,
    },
    funding,
  );
  queueRefund(s, now, p.amount, payment, reason);
}

const latePaymentGrace = (s: EscrowState): number =>
  s.terms.latePaymentGrace ?? LATE_PAYMENT_GRACE_MS;

/** Who acted, as the event log keeps it: the role, and who exactly when the API said so. */
const actorData = ({ role, actorId }: Actor): Record<string, unknown> =>
  actorId === undefined ? { by: role } : { by: role, actorId };

function deliver(s: EscrowState, now: number, data: Record<string, unknown>): void {
  s.deliveredAt = now;
  record(s, now, 'delivered', data);
  enter(s, 'delivered', now);
}

function releaseAll(s: EscrowState, now: number): void {
  const amount = held(s);
  const fee = Math.min(s.terms.fee, amount);
  release(s, now, amount - fee, fee);
  enter(s, 'released', now);
}

function refundAll(s: EscrowState, now: number, reason: string): void {
  if (!s.payment) return;
  queueRefund(s, now, held(s), s.payment, reason);
  enter(s, 'refunded', now);
}

function resolve(
  s: EscrowState,
  outcome: 'release' | 'refund' | 'split',
  sellerPart: number | undefined,
  now: number,
  by: Record<string, unknown> = {},
): void {
  const total = held(s);
  const sellerAmount = outcome === 'release' ? total : outcome === 'refund' ? 0 : (sellerPart ?? 0);
  const buyerAmount = total - sellerAmount;
  if (s.dispute) s.dispute.resolution = { outcome, sellerAmount, buyerAmount, at: now };
  unflag(s, 'dispute_overdue');
  record(s, now, 'dispute_resolved', { ...by, outcome, sellerAmount, buyerAmount });
  if (sellerAmount > 0) {
    const fee = proratedFee(Math.min(s.terms.fee, s.terms.amount), sellerAmount, s.terms.amount);
    release(s, now, sellerAmount - fee, fee);
  }
  if (buyerAmount > 0 && s.payment)
    queueRefund(s, now, buyerAmount, s.payment, `dispute resolved: ${outcome}`);
  enter(s, outcome === 'release' ? 'released' : outcome === 'refund' ? 'refunded' : 'split', now);
}

function release(s: EscrowState, now: number, sellerAmount: number, fee: number): void {
  s.money.released += sellerAmount;
  s.money.fees += fee;
  record(s, now, 'funds_released', { sellerAmount, fee }, { kind: 'release', sellerAmount, fee });
  if (sellerAmount > 0) {
    s.payout.amount += sellerAmount;
    s.payout.status = 'pending';
  }
}

function queueRefund(
  s: EscrowState,
  now: number,
  amount: number,
  payment: NonNullable<EscrowState['payment']>,
  reason: string,
): void {
  if (amount <= 0) return;
  const id = String(s.refunds.length + 1);
  s.money.refunded += amount;
  s.refunds.push({
    id,
    amount,
    paymentTransactionId: payment.providerTransactionId,
    paidAt: payment.paidAt,
    reason,
    status: 'pending',
  });
  record(
    s,
    now,
    'funds_refunded',
    { refundId: id, amount, reason },
    { kind: 'refund', amount, refundId: id },
  );
}

function enter(s: EscrowState, status: EscrowStatus, now: number): void {
  s.status = status;
  s.statusSince = now;
  s.deadlines = {};
  for (const timer of timersIn(status)) {
    // A checkout's escrow waits for its checkout to be paid or to expire.
    if (timer === 'paymentWindow' && s.terms.checkout) continue;
    s.deadlines[timer] = now + s.terms.windows[timer];
  }
  if (isTerminal(status) && s.closeAfter === undefined) s.closeAfter = now;
}

function flag(s: EscrowState, reason: string): void {
  if (!s.attention.includes(reason)) s.attention.push(reason);
}

function unflag(s: EscrowState, reason: string): void {
  s.attention = s.attention.filter((r) => r !== reason);
}

function record(
  s: EscrowState,
  at: number,
  type: string,
  data: Record<string, unknown>,
  money?: MoneyMovement,
): void {
  s.seq += 1;
  s.timeline.push({ seq: s.seq, type, at, status: s.status, data, ...(money ? { money } : {}) });
}

/** Refunds queued and not yet sent to the PSP. */
export const pendingRefunds = (s: EscrowState): RefundJob[] =>
  s.refunds.filter((r) => r.status === 'pending');

export const isSettled = (s: EscrowState): boolean =>
  isTerminal(s.status) &&
  s.payout.status !== 'pending' &&
  s.payout.status !== 'in_flight' &&
  s.payout.status !== 'failed' &&
  s.refunds.every((r) => r.status === 'succeeded');

/** A money movement is missing from the ledger: the rail must not move money on top of it. */
export const ledgerBehind = (s: EscrowState): boolean => s.unrecorded.some((u) => u.movesMoney);

/** The next timer to fire, if any. */
export function nextDeadline(s: EscrowState): { timer: Timer; at: number } | undefined {
  let next: { timer: Timer; at: number } | undefined;
  for (const [timer, at] of Object.entries(s.deadlines) as Array<[Timer, number]>) {
    if (!next || at < next.at) next = { timer, at };
  }
  return next;
}
