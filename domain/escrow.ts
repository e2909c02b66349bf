// The escrow state machine as a pure reducer: (state, input, now) → new state + the facts to
// record. The workflow applies it and carries out the money movements; the property test runs
// it directly. Amounts are safe integers in minor units (JSON-friendly for Temporal payloads);
// every multiplication goes through BigInt, and the ledger code works in bigint throughout.

import { openDispute, rejectAction, rejectDisputeMessage, targetItems } from './escrow-rules.js';
import {
  type ActionInput,
  type Actor,
  type ClosedEscrow,
  type EscrowInput,
  type EscrowState,
  type EscrowTerms,
  frozen,
  type MoneyMovement,
  type RefundJob,
} from './escrow-state.js';
import type { EventType } from './events.js';
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
  DISPUTE_TIMERS,
  type EscrowStatus,
  type ItemStatus,
  isTerminal,
  LATE_PAYMENT_GRACE_MS,
  type Role,
  TIMER_RULES,
  type Timer,
  timersIn,
} from './lifecycle.js';

export { availableActions, rejectAction, rejectDisputeMessage } from './escrow-rules.js';
export * from './escrow-state.js';

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
      startDispute(s, now, input, by, itemsData(s, targets, true), { sellerSpoke: true });
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
  { sellerSpoke = false } = {},
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
  for (const timer of DISPUTE_TIMERS) {
    // A seller disputing a return has answered already: no seller-silence rule, ops decide.
    if (sellerSpoke && timer === 'sellerResponseWindow') continue;
    s.deadlines[timer] = now + windowOf(s.terms, timer);
  }
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
  type: EventType,
  data: Record<string, unknown>,
  money?: MoneyMovement,
): void {
  s.seq += 1;
  s.timeline.push({ seq: s.seq, type, at, status: s.status, data, ...(money ? { money } : {}) });
}

/**
 * The state without the events up to `seq`, once Postgres has them (or has refused them for
 * good, `unrecorded` says which): the rules read no past event, so the workflow keeps only the
 * ones still to write.
 */
export const withoutRecorded = (s: EscrowState, seq: number): EscrowState => ({
  ...s,
  timeline: s.timeline.filter((e) => e.seq > seq),
});

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
