// The escrow state machine as a pure reducer: (state, input, now) → new state + the facts to
// record. The workflow applies it and carries out the money movements; the property test runs
// it directly. Amounts are safe integers in minor units (JSON-friendly for Temporal payloads);
// every multiplication goes through BigInt, and the ledger code works in bigint throughout.

import type { EvidenceFileRef } from './evidence.js';
import {
  escrowStatusOf,
  feeOnRelease,
  type ItemState,
  initialItems,
  isItemTerminal,
  itemDeadlines,
  itemHeld,
  itemReleasable,
  itemsDue,
  moveItem,
  settledStatus,
  windowOf,
} from './items.js';
import {
  ACTION_RULES,
  type Action,
  actionsAllowedIn,
  DISPUTE_TIMERS,
  type EscrowStatus,
  type ItemStatus,
  isTerminal,
  itemTargetsOf,
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
  /** The payout being (or to be) sent. */
  amount: number;
  /** Released while a payout was in flight: the next payout sends it. */
  unpaid?: number;
  attempts: number;
  destination: PayoutDestination;
  payoutId?: string;
  lastError?: string;
}

export interface Dispute {
  reason: string;
  details: string;
  openedAt: number;
  /** Who opened it: the buyer (or platform), or the seller refusing a return. */
  openedBy?: Role;
  /** The items it freezes, and how much of their money in all. */
  items?: string[];
  amount?: number;
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
  items: ItemState[];
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
  | { action: 'accept'; items?: string[] }
  | { action: 'extendInspection' }
  | { action: 'deliverMilestone' }
  | { action: 'openDispute'; reason: string; details: string; items?: string[]; amount?: number }
  | { action: 'respondToDispute'; message: string }
  | { action: 'resolveDispute'; outcome: 'release' | 'refund' | 'split'; sellerAmount?: number }
  | { action: 'reject'; reason: string; items?: string[] }
  | { action: 'markReturnShipped'; carrier: string; trackingNumber: string; items?: string[] }
  | { action: 'confirmReturn'; items?: string[] }
  | { action: 'disputeReturn'; reason: string; details: string; items?: string[] }
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
  /** A message (and files, by hash) added to the escrow's dispute: recorded, nothing moves. */
  | ({ type: 'disputeMessage' } & DisputeMessageInput)
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

/** One dispute message as the event log keeps it: who wrote it, the text, the files' hashes. */
export interface DisputeMessageInput {
  messageId: string;
  role: Role;
  actorId: string;
  text: string;
  files: EvidenceFileRef[];
}

/**
 * Why a dispute message is refused now, or undefined: an escrow takes them while it has a
 * dispute, open or resolved. A run resumed after its workflow closed does not carry its dispute
 * (it is terminal): the API has checked the read model's dispute before sending the message.
 */
export function rejectDisputeMessage(s: EscrowState): string | undefined {
  if (s.dispute || isTerminal(s.status)) return undefined;
  return `the escrow is ${s.status} and has no dispute: messages and evidence belong to a dispute`;
}

export type RejectionCode = 'forbidden' | 'invalid_state' | 'invalid_argument';

export interface Rejection {
  code: RejectionCode;
  message: string;
  status: EscrowStatus;
  allowedActions: Action[];
}

export const held = (s: EscrowState): number =>
  s.money.funded - s.money.released - s.money.fees - s.money.refunded;

/** Held money an open dispute freezes. */
export const frozen = (s: EscrowState): number =>
  s.items.reduce((sum, item) => sum + item.frozen, 0);

export { proratedFee } from './items.js';

export function initialState(terms: EscrowTerms, now: number): EscrowState {
  const state: EscrowState = {
    terms,
    status: 'awaiting_payment',
    statusSince: now,
    deadlines: {},
    inspectionExtended: false,
    seenPayments: [],
    money: { funded: 0, released: 0, fees: 0, refunded: 0 },
    items: initialItems(terms),
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
  /** Each item's status and money; absent for rows from before items. */
  items?: Array<Pick<ItemState, 'id' | 'status' | 'released' | 'fees' | 'refunded'>>;
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
    items: initialItems(closed.terms).map((item) => {
      const kept = closed.items?.find((k) => k.id === item.id);
      return kept ? { ...item, ...kept } : { ...item, status: closedItemStatus(closed.status) };
    }),
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

/** A closed escrow from before items: its one item ended as the escrow did. */
const closedItemStatus = (status: EscrowStatus): ItemStatus =>
  status === 'released' || status === 'refunded' || status === 'split' ? status : 'cancelled';

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
    allowedActions: availableActions(state, role),
  });
  if (!rule.by.includes(role)) return reject('forbidden', `${role} may not ${input.action}`);
  const mode = state.terms.release ?? 'together';
  if (rule.modes !== undefined && !rule.modes.includes(mode)) {
    return reject('invalid_state', `${input.action} is not for an escrow released as ${mode}`);
  }
  if (!rule.from.includes(state.status)) {
    return reject(
      'invalid_state',
      `${input.action} is not allowed while the escrow is ${state.status}`,
    );
  }
  const open = openDispute(state) !== undefined;
  if (rule.dispute === true && !open) return reject('invalid_state', 'no dispute is open');
  if (rule.dispute === false && open) {
    return reject('invalid_state', 'a dispute is already open: it is resolved first');
  }
  if (rule.items !== undefined) {
    const named = namedItems(input);
    if (named !== undefined) {
      const problem = badItemNames(state, input.action, named);
      if (problem) return reject(problem.code, problem.message);
    } else if (targetItems(state, input).length === 0) {
      const statuses = Object.keys(rule.items).join(', ');
      return reject('invalid_state', `no item is ${statuses}: nothing to ${input.action}`);
    }
  }
  const unmet = unmetCondition(state, input.action);
  if (unmet !== undefined) return reject('invalid_state', unmet);
  switch (input.action) {
    case 'openDispute': {
      if (input.amount === undefined) return undefined;
      const disputable = targetItems(state, input).reduce(
        (sum, item) => sum + itemReleasable(state, item),
        0,
      );
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0 || input.amount > disputable) {
        return reject(
          'invalid_argument',
          `a dispute's amount is more than 0 and at most the ${disputable} held for those items`,
        );
      }
      return undefined;
    }
    case 'reject': {
      const partly = targetItems(state, input).find((item) => item.frozen > 0);
      if (partly) {
        return reject(
          'invalid_state',
          `item ${partly.id} is partly under dispute: it cannot be rejected`,
        );
      }
      return undefined;
    }
    case 'resolveDispute': {
      if (input.outcome !== 'split') return undefined;
      const amount = input.sellerAmount;
      const disputed = frozen(state);
      if (
        amount === undefined ||
        !Number.isSafeInteger(amount) ||
        amount <= 0 ||
        amount >= disputed
      ) {
        return reject(
          'invalid_argument',
          `a split needs sellerAmount strictly between 0 and the disputed amount ${disputed}`,
        );
      }
      return undefined;
    }
    case 'retryRefund': {
      const failed = state.refunds.filter((r) => r.status === 'failed');
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

/** What the escrow itself must be for an action, whatever its arguments: why not, if not. */
function unmetCondition(s: EscrowState, action: Action): string | undefined {
  switch (action) {
    case 'extendInspection':
      return s.inspectionExtended ? 'the inspection window was already extended once' : undefined;
    case 'respondToDispute':
      return s.dispute?.sellerResponse ? 'the seller has already responded' : undefined;
    case 'retryPayout':
      return s.payout.status === 'failed'
        ? undefined
        : `no failed payout to retry (payout is ${s.payout.status})`;
    case 'retryRefund':
      return s.refunds.some((r) => r.status === 'failed') ? undefined : 'no failed refund to retry';
    default:
      return undefined;
  }
}

/**
 * The actions the escrow allows now, by anyone or by one role: its status and release mode,
 * an item for the action to act on, and a dispute open (or not) as the action needs.
 */
export function availableActions(s: EscrowState, role?: Role): Action[] {
  const open = openDispute(s) !== undefined;
  return actionsAllowedIn(s.status, role, s.terms.release ?? 'together').filter((action) => {
    const rule = ACTION_RULES[action];
    if (rule.dispute !== undefined && rule.dispute !== open) return false;
    if (unmetCondition(s, action) !== undefined) return false;
    return (
      rule.items === undefined || s.items.some((i) => itemTargetsOf(action, i.status).length > 0)
    );
  });
}

const openDispute = (s: EscrowState): Dispute | undefined =>
  s.dispute && !s.dispute.resolution ? s.dispute : undefined;

const namedItems = (input: ActionInput): string[] | undefined =>
  'items' in input ? input.items : undefined;

function badItemNames(
  s: EscrowState,
  action: Action,
  named: string[],
): { code: RejectionCode; message: string } | undefined {
  if (named.length === 0) return { code: 'invalid_argument', message: 'items is empty' };
  const seen = new Set<string>();
  for (const id of named) {
    if (seen.has(id)) return { code: 'invalid_argument', message: `item ${id} is named twice` };
    seen.add(id);
    const item = s.items.find((i) => i.id === id);
    if (!item) {
      return {
        code: 'invalid_argument',
        message: `unknown item ${id}; this escrow's items: ${s.items.map((i) => i.id).join(', ')}`,
      };
    }
    if (itemTargetsOf(action, item.status).length === 0) {
      const statuses = Object.keys(ACTION_RULES[action].items ?? {}).join(', ');
      return {
        code: 'invalid_state',
        message: `item ${id} is ${item.status}; ${action} applies to items ${statuses}`,
      };
    }
  }
  return undefined;
}

/** The items an action acts on: those named, else every item its rule applies to. */
function targetItems(s: EscrowState, input: ActionInput): ItemState[] {
  const named = namedItems(input);
  return s.items.filter(
    (item) =>
      (named === undefined || named.includes(item.id)) &&
      itemTargetsOf(input.action, item.status).length > 0,
  );
}

/** Applies one input. Inputs that make no sense now (a stale timer, a duplicate) change nothing. */
export function step(state: EscrowState, input: EscrowInput, now: number): EscrowState {
  // JSON copy: the state is plain data, and structuredClone is not in every sandbox.
  const s: EscrowState = JSON.parse(JSON.stringify(state));
  const before = s.timeline.length;
  applyInput(s, input, now);
  follow(s, now);
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
    case 'disputeMessage':
      if (rejectDisputeMessage(s)) return;
      record(s, now, 'dispute_message', {
        messageId: input.messageId,
        author: input.role,
        actorId: input.actorId,
        text: input.text,
        files: input.files.map((f) => ({
          id: f.id,
          name: f.name,
          contentType: f.contentType,
          size: f.size,
          sha256: f.sha256,
        })),
      });
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
        if (s.payout.unpaid) {
          // Items released while this payout was out: the next payout sends their money.
          s.payout.amount = s.payout.unpaid;
          s.payout.status = 'pending';
          delete s.payout.unpaid;
        }
      } else {
        s.payout.status = 'failed';
        s.payout.lastError = input.error;
        // What was released meanwhile goes out with the retry.
        s.payout.amount += s.payout.unpaid ?? 0;
        delete s.payout.unpaid;
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
  const targets = targetItems(s, input);
  const named = itemsData(s, targets);
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
      record(s, now, 'accepted', { ...by, ...named });
      releaseItems(s, now, targets);
      return;
    case 'extendInspection': {
      s.inspectionExtended = true;
      let until = now;
      for (const item of targets) {
        item.deadline = (item.deadline ?? now) + itemInspectionWindow(s, item);
        until = Math.max(until, item.deadline);
      }
      record(s, now, 'inspection_extended', { ...by, until: new Date(until).toISOString() });
      return;
    }
    case 'deliverMilestone':
      for (const item of targets) moveItem(s, item, 'inspecting', now);
      s.deliveredAt = now;
      record(s, now, 'milestone_delivered', { ...by, ...itemsData(s, targets, true) });
      return;
    case 'openDispute':
      freeze(s, now, targets, input.amount);
      startDispute(s, now, input, by, named);
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
    case 'reject':
      for (const item of targets) {
        item.rejection = { reason: input.reason, at: now };
        moveItem(s, item, 'rejected', now);
      }
      record(s, now, 'rejected', { ...by, reason: input.reason, ...itemsData(s, targets, true) });
      return;
    case 'markReturnShipped':
      for (const item of targets) {
        item.returnShipment = {
          carrier: input.carrier,
          trackingNumber: input.trackingNumber,
          shippedAt: now,
        };
        moveItem(s, item, 'returning', now);
      }
      record(s, now, 'return_shipped', {
        ...by,
        carrier: input.carrier,
        trackingNumber: input.trackingNumber,
        ...itemsData(s, targets, true),
      });
      return;
    case 'confirmReturn':
      record(s, now, 'return_received', { ...by, ...itemsData(s, targets, true) });
      refundItems(s, now, targets, 'returned');
      return;
    case 'disputeReturn':
      freeze(s, now, targets, undefined);
      startDispute(s, now, input, by, itemsData(s, targets, true));
      return;
    case 'cancel':
      s.cancelReason = input.reason;
      if (s.status === 'awaiting_payment') {
        record(s, now, 'cancelled', { ...by, reason: input.reason });
        for (const item of s.items) item.status = 'cancelled';
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
 * The items an event names, for its data: only for escrows with items of their own (the one
 * implicit item says nothing), or always when `always`.
 */
function itemsData(s: EscrowState, items: ItemState[], always = false): { items?: string[] } {
  return s.terms.items !== undefined || always ? { items: items.map((i) => i.id) } : {};
}

/** Freezes the items' releasable money, or `amount` of it, item by item in order. */
function freeze(s: EscrowState, now: number, items: ItemState[], amount: number | undefined): void {
  let left = amount ?? Number.MAX_SAFE_INTEGER;
  for (const item of items) {
    const part = Math.min(left, itemReleasable(s, item));
    if (part <= 0) continue;
    item.frozen += part;
    left -= part;
    if (itemReleasable(s, item) === 0) moveItem(s, item, 'disputed', now);
  }
}

function startDispute(
  s: EscrowState,
  now: number,
  input: { reason: string; details: string; role: Role },
  by: Record<string, unknown>,
  named: { items?: string[] },
): void {
  const disputed = s.items.filter((item) => item.frozen > 0);
  const amount = frozen(s);
  const partial = disputed.some((item) => itemReleasable(s, item) > 0);
  s.dispute = {
    reason: input.reason,
    details: input.details,
    openedAt: now,
    escalated: false,
    ...(s.terms.items !== undefined || partial || input.role === 'seller'
      ? { openedBy: input.role, items: disputed.map((i) => i.id), amount }
      : {}),
  };
  for (const timer of DISPUTE_TIMERS) s.deadlines[timer] = now + windowOf(s.terms, timer);
  record(s, now, 'dispute_opened', {
    ...by,
    reason: input.reason,
    ...named,
    ...(partial ? { amount } : {}),
  });
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
  const rule = TIMER_RULES[timer];
  if (rule.item !== undefined) {
    applyItemTimer(s, timer, now);
    return;
  }
  const deadline = s.deadlines[timer];
  if (deadline === undefined || deadline > now) return;
  if (rule.dispute === undefined && rule.status !== s.status) return;
  if (rule.dispute && !openDispute(s)) return;
  delete s.deadlines[timer];
  switch (timer) {
    case 'paymentWindow':
      record(s, now, 'expired', {});
      for (const item of s.items) item.status = 'cancelled';
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

/** An item timer: every item whose deadline for it has passed moves on together. */
function applyItemTimer(s: EscrowState, timer: Timer, now: number): void {
  const due = itemsDue(s, timer, now);
  if (due.length === 0) return;
  switch (timer) {
    case 'inspectionWindow':
      record(s, now, 'inspection_elapsed', itemsData(s, due));
      releaseItems(s, now, due);
      return;
    case 'returnShippingWindow':
      record(s, now, 'return_lapsed', itemsData(s, due, true));
      releaseItems(s, now, due);
      return;
    case 'returnInspectionWindow':
      record(s, now, 'return_receipt_assumed', itemsData(s, due, true));
      refundItems(s, now, due, 'returned');
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
  for (const item of s.items) {
    if (item.status === 'awaiting') moveItem(s, item, 'inspecting', now);
  }
  record(s, now, 'delivered', data);
}

const itemInspectionWindow = (s: EscrowState, item: ItemState): number =>
  s.terms.items?.find((line) => line.id === item.id)?.inspectionWindow ??
  windowOf(s.terms, 'inspectionWindow');

/**
 * Releases what the items hold outside any dispute, in one movement. An item partly frozen
 * keeps the frozen part, now disputed as a whole.
 */
function releaseItems(s: EscrowState, now: number, items: ItemState[]): void {
  let sellerAmount = 0;
  let fee = 0;
  for (const item of items) {
    const gross = itemReleasable(s, item);
    const itemFeePart = feeOnRelease(s, item, gross);
    item.released += gross - itemFeePart;
    item.fees += itemFeePart;
    sellerAmount += gross - itemFeePart;
    fee += itemFeePart;
    if (item.frozen > 0) moveItem(s, item, 'disputed', now);
    else moveItem(s, item, settledStatus(item), now);
  }
  release(s, now, sellerAmount, fee, itemsData(s, items));
}

/** Refunds what the items hold (frozen or not), in one refund. */
function refundItems(s: EscrowState, now: number, items: ItemState[], reason: string): void {
  if (!s.payment) return;
  let amount = 0;
  for (const item of items) {
    const part = itemHeld(s, item);
    item.refunded += part;
    item.frozen = 0;
    amount += part;
    moveItem(s, item, settledStatus(item), now);
  }
  queueRefund(s, now, amount, s.payment, reason);
}

/** Everything not yet released goes back to the buyer (a cancel, nothing shipped in time). */
function refundAll(s: EscrowState, now: number, reason: string): void {
  if (!s.payment) return;
  refundItems(
    s,
    now,
    s.items.filter((item) => !isItemTerminal(item)),
    reason,
  );
}

/** The arbiter's decision (or the seller's silence) settles the frozen part, item by item. */
function resolve(
  s: EscrowState,
  outcome: 'release' | 'refund' | 'split',
  sellerPart: number | undefined,
  now: number,
  by: Record<string, unknown> = {},
): void {
  const disputed = s.items.filter((item) => item.frozen > 0);
  const total = frozen(s);
  const sellerAmount = outcome === 'release' ? total : outcome === 'refund' ? 0 : (sellerPart ?? 0);
  const buyerAmount = total - sellerAmount;
  if (s.dispute) s.dispute.resolution = { outcome, sellerAmount, buyerAmount, at: now };
  for (const timer of DISPUTE_TIMERS) delete s.deadlines[timer];
  unflag(s, 'dispute_overdue');
  record(s, now, 'dispute_resolved', { ...by, outcome, sellerAmount, buyerAmount });
  // The seller's part fills the disputed items in order; the rest of each goes back.
  let toSeller = sellerAmount;
  let released = 0;
  let fees = 0;
  let refunded = 0;
  for (const item of disputed) {
    const gross = Math.min(toSeller, item.frozen);
    toSeller -= gross;
    const fee = feeOnRelease(s, item, gross);
    item.released += gross - fee;
    item.fees += fee;
    released += gross - fee;
    fees += fee;
    const back = item.frozen - gross;
    item.refunded += back;
    refunded += back;
    item.frozen = 0;
    // Wholly frozen items are settled now; one only partly frozen goes on with the rest.
    if (item.status === 'disputed') moveItem(s, item, settledStatus(item), now);
  }
  if (sellerAmount > 0) release(s, now, released, fees, itemsData(s, disputed));
  if (buyerAmount > 0 && s.payment) {
    queueRefund(s, now, refunded, s.payment, `dispute resolved: ${outcome}`);
  }
}

function release(
  s: EscrowState,
  now: number,
  sellerAmount: number,
  fee: number,
  named: { items?: string[] } = {},
): void {
  s.money.released += sellerAmount;
  s.money.fees += fee;
  record(
    s,
    now,
    'funds_released',
    { sellerAmount, fee, ...named },
    { kind: 'release', sellerAmount, fee },
  );
  if (sellerAmount <= 0) return;
  if (s.payout.status === 'in_flight') {
    s.payout.unpaid = (s.payout.unpaid ?? 0) + sellerAmount;
    return;
  }
  // Not due, or paid before (an earlier item): a new payout; pending or failed: one more sum.
  s.payout.amount =
    s.payout.status === 'pending' || s.payout.status === 'failed'
      ? s.payout.amount + sellerAmount
      : sellerAmount;
  if (s.payout.status !== 'failed') s.payout.status = 'pending';
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

/**
 * After every input: milestones start one after another, and a funded escrow's status follows
 * its items (the inspection of one, the dispute of another, all settled).
 */
function follow(s: EscrowState, now: number): void {
  if (!s.payment || isTerminal(s.status) || s.status === 'awaiting_payment') return;
  if (s.terms.release === 'milestones' && !s.items.some(isActiveMilestone)) {
    const next = s.items.find((item) => item.status === 'awaiting');
    if (next) {
      moveItem(s, next, 'in_progress', now);
      record(s, now, 'milestone_started', { items: [next.id] });
    }
  }
  const status = escrowStatusOf(s);
  if (status !== undefined && status !== s.status) enter(s, status, now);
}

const isActiveMilestone = (item: ItemState): boolean =>
  !isItemTerminal(item) && item.status !== 'awaiting';

function enter(s: EscrowState, status: EscrowStatus, now: number): void {
  s.status = status;
  s.statusSince = now;
  // An open dispute's timers run on whatever the status; the status's own timers restart.
  const disputeDeadlines = DISPUTE_TIMERS.flatMap((timer) => {
    const at = s.deadlines[timer];
    return at === undefined || isTerminal(status) ? [] : [[timer, at] as const];
  });
  s.deadlines = Object.fromEntries(disputeDeadlines);
  for (const timer of timersIn(status)) {
    // A checkout's escrow waits for its checkout to be paid or to expire.
    if (timer === 'paymentWindow' && s.terms.checkout) continue;
    s.deadlines[timer] = now + windowOf(s.terms, timer);
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

/** The next timer to fire, if any: the escrow's, the dispute's or an item's. */
export function nextDeadline(s: EscrowState): { timer: Timer; at: number } | undefined {
  let next: { timer: Timer; at: number } | undefined;
  const all = { ...itemDeadlines(s), ...s.deadlines };
  for (const [timer, at] of Object.entries(all) as Array<[Timer, number]>) {
    if (!next || at < next.at) next = { timer, at };
  }
  return next;
}
