import type { UpdateDefinition } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { PaymentLinkInput } from '../activities/psp.js';
import {
  type ActionInput,
  type Actor,
  type DisputeMessageInput,
  type EscrowEvent,
  type EscrowInput,
  type EscrowState,
  type EscrowTerms,
  initialState,
  isSettled,
  ledgerBehind,
  nextDeadline,
  pendingRefunds,
  type RefundJob,
  rejectAction,
  rejectDisputeMessage,
  resumedState,
  step,
  withoutRecorded,
} from '../domain/escrow.js';
import { PERMANENT_DATA_ERROR } from '../domain/failures.js';
import { ACTIONS, type Action } from '../domain/lifecycle.js';
import { ORDER_REF_RAILS, railOf } from '../domain/rails.js';
import { type EscrowView, escrowView } from '../domain/view.js';
import {
  type CheckoutPaymentInfo,
  type CheckoutShareConfirmation,
  checkoutExpiredSignal,
} from './checkout-messages.js';
import {
  ACTION_REJECTED,
  type AnyActionArgs,
  actionUpdates,
  attentionSignal,
  DISPUTE_MESSAGE_REJECTED,
  disputeMessageUpdate,
  type PaymentLink,
  paymentConfirmedSignal,
  paymentLinkUpdate,
  type ResumeEscrowInput,
  stateQuery,
} from './messages.js';
import {
  createPaymentLinkLocally,
  patientCheck,
  psp,
  quickCheck,
  quickCheckLocally,
} from './psp-activities.js';
import {
  refundLaneGrantedSignal,
  refundLaneReleaseSignal,
  refundLaneWorkflowId,
} from './refund-lane-messages.js';
import {
  BuyerId,
  EscrowAmount,
  EscrowCurrency,
  EscrowStatus,
  NeedsAttention,
  PlatformId,
  SellerId,
} from './search-attributes.js';

export interface EscrowWorkflowInput {
  terms: EscrowTerms;
  /** Where the PSP sends the buyer back after paying. */
  returnUrl: string;
  clientIp: string;
}

/** Patch: the rail is asked for the payment before the payment window expires the escrow. */
const QUERY_BEFORE_EXPIRY = 'query-payment-before-expiry';
/**
 * Patch: a payment's refunds go to the rail one at a time, each final before the next: VNPay
 * shows only a payment's latest refund, so two in flight could not be told apart.
 */
const ONE_REFUND_AT_A_TIME = 'one-refund-at-a-time';
/**
 * Patch: a checkout's escrows refund shares of one payment, so each refund first takes the
 * checkout's refund lane (workflows/refund-lane.ts) and releases it once final: one refund of
 * the payment at a time across all its escrows.
 */
const CHECKOUT_REFUND_LANE = 'checkout-refund-lane';
/**
 * Patch: the escrow's Postgres reads and writes are local activities, and a flush writes every
 * pending event in one of them (one transaction) instead of one activity per event.
 */
const LOCAL_RECORDS = 'local-batched-records';
/**
 * Patch: a new escrow's payment link is a local activity of its first workflow task, made beside
 * its first record (after it, for a rail that keeps its order reference on the escrow's row):
 * the create answers at the end of that task, with no activity round trip and no second task.
 */
const LOCAL_PAYMENT_LINK = 'local-payment-link';
/**
 * Patch: the rail is asked before expiry by a local activity, in the task the deadline woke:
 * with the local record after it, an expiry is one workflow task, so a timer burst takes less
 * of the task queue from creates and Updates.
 */
const LOCAL_QUICK_CHECK = 'local-quick-check';

// Writing to Postgres is retried until it works (ops see a failing attempt count in the UI):
// the event log must not have holes and the escrow must not fail with money held. Only a write
// Postgres refuses for good comes back as a failure, which the workflow flags and steps over.
const recordRetry = {
  initialInterval: '1 second',
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: [PERMANENT_DATA_ERROR],
};
const { recordTransition, loadClosedEscrow } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: recordRetry,
});
// The same writes and read as local activities (LOCAL_RECORDS): short and idempotent, they run
// inside the workflow task, with no round trip to the server. The same retries, forever: a
// backoff longer than the threshold waits in a server timer, not in a held workflow task.
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: recordRetry,
});
// Asking for the checkout's refund lane: retried until the lane has the request.
const { requestRefundLane } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One escrow's whole life: holds the buyer's money until the deal ends, then settles it. Started
 * again with `resume` when a signal (a late payment, an ops flag) finds it closed: that run
 * picks the escrow up from Postgres before it sets its handlers, so the signal waits for it.
 */
export async function escrowWorkflow(
  input: EscrowWorkflowInput | ResumeEscrowInput,
): Promise<void> {
  // Dispute messages may arrive with the start of a resumed run (update-with-start), before the
  // escrow is loaded: their handler is set first and waits for the state. Unset updates would
  // be refused. `pendingMessages` keeps a settled run open until each one is recorded.
  let pendingMessages = 0;
  let refuseMessage: () => string | undefined = () => undefined;
  let addMessage: ((message: DisputeMessageInput) => Promise<{ seq: number }>) | undefined;
  setHandler(
    disputeMessageUpdate,
    async (message) => {
      pendingMessages += 1;
      try {
        await condition(() => addMessage !== undefined);
        return await (addMessage as NonNullable<typeof addMessage>)(message);
      } finally {
        pendingMessages -= 1;
      }
    },
    {
      validator: (_message) => {
        const refusal = refuseMessage();
        if (refusal) {
          throw ApplicationFailure.create({
            type: DISPUTE_MESSAGE_REJECTED,
            message: refusal,
            nonRetryable: true,
          });
        }
      },
    },
  );
  const localRecords = patched(LOCAL_RECORDS);
  const loadClosed = localRecords ? local.loadClosedEscrow : loadClosedEscrow;
  const closed = 'resume' in input ? await loadClosed(input.resume.escrowId) : undefined;
  let state: EscrowState = closed
    ? resumedState(closed, Date.now())
    : initialState((input as EscrowWorkflowInput).terms, Date.now());
  const { terms } = state;
  const escrowId = terms.escrowId;
  // The rail the PSP activities ask; omitted for VNPay escrows from before rails were chosen.
  const rail = terms.rail === undefined ? {} : { rail: terms.rail };
  // Where a rail that cannot refund pays the buyer back; only escrows that have one carry it.
  const refundTo =
    terms.refundDestination === undefined ? {} : { refundDestination: terms.refundDestination };
  // A checkout's escrow: the rail knows the one payment by the checkout's id, not this escrow's.
  const order = terms.checkout === undefined ? {} : { orderId: terms.checkout.checkoutId };
  // The timeline of a resumed run starts after the events already in Postgres.
  let recordedSeq = state.seq - state.timeline.length;
  let paymentLink: PaymentLink | undefined = closed?.paymentLink;
  /** A checkout's escrow: the checkout's total (its one payment), once the checkout says. */
  let checkoutAmount: number | undefined;
  const keepCheckout = (info: CheckoutPaymentInfo) => {
    paymentLink ??= info.paymentLink;
    checkoutAmount = info.amount;
  };
  const runningJobs = new Set<string>();
  const oneRefundAtATime = patched(ONE_REFUND_AT_A_TIME);

  const apply = (event: EscrowInput): number => {
    state = step(state, event, Date.now());
    return state.seq;
  };
  const recorded = (seq: number) => condition(() => recordedSeq >= seq);

  for (const action of ACTIONS) {
    // One handler serves every action's Update, so it takes any action's arguments; the
    // validator refuses invalid ones before anything is written.
    const update: UpdateDefinition<EscrowView, [AnyActionArgs]> = actionUpdates[action];
    setHandler(
      update,
      async (args) => {
        await recorded(apply({ ...actionInput(action, args), type: 'action' }));
        return escrowView(state);
      },
      {
        validator: (args) => {
          const rejection = rejectAction(state, actionInput(action, args), args.role);
          if (rejection) {
            throw ApplicationFailure.create({
              type: ACTION_REJECTED,
              message: rejection.message,
              details: [rejection],
              nonRetryable: true,
            });
          }
        },
      },
    );
  }
  setHandler(paymentConfirmedSignal, (signalled) => {
    // A checkout's share also carries the checkout's payment link and total (for refunds).
    const { checkout, ...payment } = signalled as CheckoutShareConfirmation;
    if (checkout && terms.checkout) keepCheckout(checkout);
    apply({ type: 'payment', ...payment, paidAt: Date.parse(payment.paidAt) });
  });
  setHandler(checkoutExpiredSignal, (info) => {
    if (!terms.checkout) return;
    keepCheckout(info);
    apply({ type: 'checkoutExpired' });
  });
  setHandler(attentionSignal, (flag) => {
    apply({ type: 'attention', reason: flag.reason, detail: flag.detail });
  });
  // The checkout's refund lane: the requests granted, and those already released (a late,
  // duplicate grant of one is handed straight back, so the lane never waits on it).
  const laneGranted = new Set<string>();
  const laneReleased = new Set<string>();
  const releaseLane = async (requestId: string) => {
    if (!terms.checkout) return;
    laneReleased.add(requestId);
    await getExternalWorkflowHandle(refundLaneWorkflowId(terms.checkout.checkoutId))
      .signal(refundLaneReleaseSignal, { requestId })
      // A lane that is gone holds nothing.
      .catch(() => undefined);
  };
  setHandler(refundLaneGrantedSignal, ({ requestId }) => {
    if (laneReleased.has(requestId)) {
      void releaseLane(requestId);
      return;
    }
    laneGranted.add(requestId);
  });
  /** Waits until this refund attempt holds the checkout's lane; its request id, to release. */
  const acquireLane = async (checkoutId: string, job: RefundJob): Promise<string> => {
    const { workflowId, runId } = workflowInfo();
    // The attempt about to start (refundStarted counts it): each attempt asks anew.
    const requestId = `${runId}:${job.id}:${(job.attempts ?? 0) + 1}`;
    await requestRefundLane({ checkoutId, request: { workflowId, runId, requestId } });
    await condition(() => laneGranted.has(requestId));
    return requestId;
  };
  refuseMessage = () => rejectDisputeMessage(state);
  addMessage = async (message) => {
    const seq = apply({ type: 'disputeMessage', ...message });
    await recorded(seq);
    return { seq };
  };
  setHandler(stateQuery, () => escrowView(state));
  setHandler(paymentLinkUpdate, async () => {
    await condition(() => paymentLink !== undefined);
    return { ...escrowView(state), paymentLink: paymentLink as PaymentLink };
  });

  /**
   * Writes every fact not yet in Postgres, in order, with its ledger entry; each carries the
   * view at flush time. Written facts leave the workflow's memory (Postgres has them).
   */
  const flush = async () => {
    while (recordedSeq < state.seq) {
      const pending = state.timeline.filter((e) => e.seq > recordedSeq);
      if (pending.length === 0) break;
      await (localRecords ? recordAll(pending) : recordOne(pending[0] as EscrowEvent));
      state = withoutRecorded(state, recordedSeq);
    }
    publish();
  };
  // One fact Postgres cannot take must not freeze the escrow: it stays in the history, ops are
  // flagged with the reason, timers and actions go on.
  const recordAll = async (events: EscrowEvent[]) => {
    const view = escrowView(state);
    const { refused } = await local.recordTransitions({ terms, events, view, paymentLink });
    recordedSeq = refused?.seq ?? (events.at(-1) as EscrowEvent).seq;
    if (refused) apply({ type: 'recordFailed', seq: refused.seq, error: refused.error });
  };
  const recordOne = async (event: EscrowEvent) => {
    try {
      await recordTransition({ terms, event, view: escrowView(state), paymentLink });
    } catch (error) {
      if (failureType(error) !== PERMANENT_DATA_ERROR) throw error;
      apply({ type: 'recordFailed', seq: event.seq, error: failureMessage(error) });
    }
    recordedSeq = event.seq;
  };

  let published = '';
  const publish = () => {
    const needsAttention = state.attention.length > 0;
    const key = `${state.status}|${needsAttention}|${state.unrecorded.length}`;
    if (key === published) return;
    published = key;
    upsertSearchAttributes([
      { key: EscrowStatus, value: state.status },
      { key: NeedsAttention, value: needsAttention },
    ]);
    const unrecorded = state.unrecorded.map((u) => `\n- event ${u.seq} (${u.type}): ${u.error}`);
    setCurrentDetails(
      `**${state.status}**${needsAttention ? ` · needs attention: ${state.attention.join(', ')}` : ''}${
        unrecorded.length > 0 ? `\n\nNot recorded in Postgres:${unrecorded.join('')}` : ''
      }`,
    );
  };

  const payout = async () => {
    await recorded(apply({ type: 'payoutStarted' }));
    if (ledgerBehind(state)) return;
    const { amount, attempts, destination } = state.payout;
    const request = {
      idempotencyKey: `escrow:${escrowId}:payout:${attempts}`,
      amount,
      currency: terms.currency,
      destination,
      description: `Escrow ${escrowId} (${terms.reference})`,
    };
    try {
      let result = await psp.sendPayout(request);
      if (result.status === 'pending') {
        apply({ type: 'payoutPending', ...definedOnly({ payoutId: result.payoutId }) });
        result = await psp.awaitPayout(request);
      }
      apply({ type: 'payoutResult', ok: true, payoutId: result.payoutId ?? '' });
    } catch (error) {
      apply({ type: 'payoutResult', ok: false, error: failureMessage(error) });
    }
  };

  /**
   * A checkout's escrow refunds part of a payment its sibling escrows refund too: the refund
   * waits for the checkout's refund lane and holds it until final (succeeded or failed).
   */
  const refund = async (refundId: string) => {
    const waiting = state.refunds.find((r) => r.id === refundId);
    const lane =
      terms.checkout && waiting && patched(CHECKOUT_REFUND_LANE)
        ? await acquireLane(terms.checkout.checkoutId, waiting)
        : undefined;
    try {
      await refundOnce(refundId);
    } finally {
      if (lane !== undefined) await releaseLane(lane);
    }
  };
  const refundOnce = async (refundId: string) => {
    await recorded(apply({ type: 'refundStarted', refundId }));
    const job = state.refunds.find((r) => r.id === refundId);
    if (!job || ledgerBehind(state)) return;
    const request = {
      ...rail,
      ...refundTo,
      ...order,
      idempotencyKey: refundKey(escrowId, job),
      escrowId,
      paymentTransactionId: job.paymentTransactionId,
      transactionDate: paymentLink?.createdAt ?? new Date(job.paidAt).toISOString(),
      amount: job.amount,
      currency: terms.currency,
      // A checkout's escrow refunds part of the checkout's one payment: full only when that is
      // the whole of it (unknown total: partial).
      full: terms.checkout ? job.amount === checkoutAmount : job.amount === state.payment?.amount,
      reason: job.reason,
    };
    try {
      let result = await psp.refundPayment(request);
      if (result.status === 'pending') {
        apply({
          type: 'refundPending',
          refundId,
          ...definedOnly({ pspRefundId: result.pspRefundId }),
        });
        result = await psp.awaitRefund(request);
      }
      apply({ type: 'refundResult', refundId, ok: true, pspRefundId: result.pspRefundId ?? '' });
    } catch (error) {
      apply({ type: 'refundResult', refundId, ok: false, error: failureMessage(error) });
    }
  };

  /**
   * Payouts and refunds run beside the main loop, so timers keep firing while a PSP is slow.
   * None starts while the ledger misses a money movement: money would leave it does not know of.
   */
  const runJob = (id: string, job: () => Promise<void>) => {
    if (runningJobs.has(id)) return;
    runningJobs.add(id);
    void job().finally(() => runningJobs.delete(id));
  };
  const startJobs = () => {
    if (ledgerBehind(state)) return;
    if (state.payout.status === 'pending') runJob('payout', payout);
    for (const job of refundsToStart()) runJob(`refund:${job.id}`, () => refund(job.id));
  };
  const refundsToStart = (): RefundJob[] => {
    const waiting = pendingRefunds(state).filter((r) => !runningJobs.has(`refund:${r.id}`));
    if (!oneRefundAtATime) return waiting;
    const refundRunning = [...runningJobs].some((id) => id.startsWith('refund:'));
    return refundRunning ? [] : waiting.slice(0, 1);
  };
  const hasJobsToStart = () =>
    !ledgerBehind(state) &&
    ((state.payout.status === 'pending' && !runningJobs.has('payout')) ||
      refundsToStart().length > 0);

  /**
   * Before the payment window expires the escrow, the rail is asked: a payment whose callback
   * never came funds it. When the rail cannot say, the escrow expires and the rail is asked
   * again in the background until the late-payment grace ends.
   */
  const askRailForPayment = async (): Promise<'paid' | 'unknown' | 'unpaid'> => {
    if (!paymentLink) return 'unpaid';
    const check = patched(LOCAL_QUICK_CHECK) ? quickCheckLocally : quickCheck;
    const found = await check({
      ...rail,
      ...order,
      escrowId,
      transactionDate: paymentLink.createdAt,
    }).catch(() => undefined);
    if (found === undefined) return 'unknown';
    if (found.status !== 'succeeded' || !found.providerTransactionId) return 'unpaid';
    applyFoundPayment(found.providerTransactionId, found.amount);
    return 'paid';
  };
  const applyFoundPayment = (providerTransactionId: string, amount: number | undefined) => {
    apply({
      type: 'payment',
      providerTransactionId,
      amount: amount ?? terms.amount,
      currency: terms.currency,
      paidAt: Date.now(),
      foundBy: 'query',
    });
  };
  const keepAskingRail = async () => {
    if (!paymentLink) return;
    const found = await patientCheck((state.closeAfter ?? Date.now()) - Date.now())({
      ...rail,
      ...order,
      escrowId,
      transactionDate: paymentLink.createdAt,
    }).catch(() => undefined);
    if (found?.status === 'succeeded' && found.providerTransactionId) {
      applyFoundPayment(found.providerTransactionId, found.amount);
    }
  };

  const linkRequest = (): PaymentLinkInput => {
    const { returnUrl, clientIp } = input as EscrowWorkflowInput;
    return {
      ...rail,
      idempotencyKey: `escrow:${escrowId}:payment`,
      escrowId,
      amount: terms.amount,
      currency: terms.currency,
      description: terms.description,
      expiresAt: new Date(state.deadlines.paymentWindow ?? Date.now()).toISOString(),
      returnUrl,
      clientIp,
    };
  };
  /**
   * The first record and the payment link, side by side; the link fails the workflow only once
   * the record is done, as when it came after it. A rail that keeps its order reference on the
   * escrow's row makes its link once the row is there.
   */
  const recordAndLink = async (request: PaymentLinkInput): Promise<PaymentLink> => {
    if (ORDER_REF_RAILS.has(railOf(terms))) {
      await flush();
      return createPaymentLinkLocally(request);
    }
    const recording = flush();
    const linking = createPaymentLinkLocally(request).then(
      (made) => ({ made }),
      (error: unknown) => ({ error }),
    );
    await recording;
    const linked = await linking;
    if ('error' in linked) throw linked.error;
    return linked.made;
  };

  if (!closed) {
    upsertSearchAttributes([
      { key: PlatformId, value: terms.platformId },
      { key: SellerId, value: terms.sellerId },
      { key: BuyerId, value: terms.buyerId },
      { key: EscrowAmount, value: terms.amount },
      { key: EscrowCurrency, value: terms.currency },
    ]);
    // A checkout's escrow has no link of its own: the checkout's one payment funds it.
    if (terms.checkout) await flush();
    else if (patched(LOCAL_PAYMENT_LINK)) {
      paymentLink = await recordAndLink({ ...linkRequest(), platformId: terms.platformId });
    } else {
      await flush();
      paymentLink = await psp.createPaymentLink(linkRequest());
    }
  }

  for (;;) {
    startJobs();
    await flush();
    const settled = isSettled(state) && runningJobs.size === 0;
    if (settled && Date.now() >= (state.closeAfter ?? 0)) {
      if (pendingMessages === 0) break;
      // A dispute message is on its way (a resumed run): record it before closing.
      await condition(() => recordedSeq < state.seq || pendingMessages === 0);
      continue;
    }
    const next = nextDeadline(state);
    const wakeAt = Math.min(
      next?.at ?? Infinity,
      settled ? (state.closeAfter ?? Infinity) : Infinity,
    );
    const jobsRunning = runningJobs.size;
    const woken = await condition(
      () => recordedSeq < state.seq || hasJobsToStart() || runningJobs.size !== jobsRunning,
      wakeAt === Infinity ? undefined : Math.max(1, wakeAt - Date.now()),
    );
    if (woken || !next || Date.now() < next.at) continue;
    if (next.timer === 'paymentWindow' && patched(QUERY_BEFORE_EXPIRY)) {
      const answer = await askRailForPayment();
      if (answer === 'paid') continue;
      apply({ type: 'timer', timer: next.timer });
      if (answer === 'unknown') runJob('payment-check', keepAskingRail);
      continue;
    }
    apply({ type: 'timer', timer: next.timer });
  }
  await condition(allHandlersFinished);
}

/** The domain's input for an action Update: its arguments, tagged with the Update's action. */
function actionInput(action: Action, args: AnyActionArgs): ActionInput & Actor {
  // The Update's name says which action's fields these are; TypeScript cannot follow it.
  return { ...args, action } as ActionInput & Actor;
}

/** A refund's idempotency key at the rail: the first send keeps the key it always had. */
const refundKey = (escrowId: string, job: RefundJob): string =>
  (job.attempts ?? 1) > 1
    ? `escrow:${escrowId}:refund:${job.id}:${job.attempts}`
    : `escrow:${escrowId}:refund:${job.id}`;

/** The object without its undefined fields (Temporal payloads and events keep no undefined). */
function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function failureType(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function failureMessage(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return error instanceof Error ? error.message : String(error);
}
