import type { UpdateDefinition } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  type ActionInput,
  type Actor,
  type EscrowInput,
  type EscrowState,
  type EscrowTerms,
  initialState,
  isSettled,
  ledgerBehind,
  nextDeadline,
  pendingRefunds,
  rejectAction,
  step,
} from '../domain/escrow.js';
import { PERMANENT_DATA_ERROR } from '../domain/failures.js';
import { ACTIONS, type Action } from '../domain/lifecycle.js';
import { type EscrowView, escrowView } from '../domain/view.js';
import {
  ACTION_REJECTED,
  type AnyActionArgs,
  actionUpdates,
  type PaymentLink,
  paymentConfirmedSignal,
  paymentLinkUpdate,
  stateQuery,
} from './messages.js';
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

// Writing to Postgres is retried until it works (ops see a failing attempt count in the UI):
// the event log must not have holes and the escrow must not fail with money held. Only a write
// Postgres refuses for good comes back as a failure, which the workflow flags and steps over.
const { recordTransition } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [PERMANENT_DATA_ERROR],
  },
});
// PSP calls: transient failures retry with backoff under the same idempotency key; permanent
// ones (declined, invalid destination) come back as non-retryable failures the workflow handles.
const psp = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['PspPermanentError'],
  },
});

/** One escrow's whole life: holds the buyer's money until the deal ends, then settles it. */
export async function escrowWorkflow(input: EscrowWorkflowInput): Promise<void> {
  const escrowId = input.terms.escrowId;
  let state: EscrowState = initialState(input.terms, Date.now());
  let recordedSeq = 0;
  let paymentLink: PaymentLink | undefined;
  const runningJobs = new Set<string>();

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
  setHandler(paymentConfirmedSignal, (payment) => {
    apply({ type: 'payment', ...payment, paidAt: Date.parse(payment.paidAt) });
  });
  setHandler(stateQuery, () => escrowView(state));
  setHandler(paymentLinkUpdate, async () => {
    await condition(() => paymentLink !== undefined);
    return { ...escrowView(state), paymentLink: paymentLink as PaymentLink };
  });

  /** Writes every fact not yet in Postgres, in order, with its ledger entry. */
  const flush = async () => {
    while (recordedSeq < state.seq) {
      const event = state.timeline[recordedSeq];
      if (!event) break;
      try {
        await recordTransition({ terms: input.terms, event, view: escrowView(state) });
      } catch (error) {
        // One fact Postgres cannot take must not freeze the escrow: it stays in the timeline
        // (and history), ops are flagged with the reason, timers and actions go on.
        if (failureType(error) !== PERMANENT_DATA_ERROR) throw error;
        apply({ type: 'recordFailed', seq: event.seq, error: failureMessage(error) });
      }
      recordedSeq = event.seq;
    }
    publish();
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
    try {
      const { payoutId } = await psp.sendPayout({
        idempotencyKey: `escrow:${escrowId}:payout:${attempts}`,
        amount,
        currency: input.terms.currency,
        destination,
        description: `Escrow ${escrowId} (${input.terms.reference})`,
      });
      apply({ type: 'payoutResult', ok: true, payoutId: payoutId ?? '' });
    } catch (error) {
      apply({ type: 'payoutResult', ok: false, error: failureMessage(error) });
    }
  };

  const refund = async (refundId: string) => {
    const job = state.refunds.find((r) => r.id === refundId);
    if (!job) return;
    await recorded(apply({ type: 'refundStarted', refundId }));
    if (ledgerBehind(state)) return;
    try {
      const { pspRefundId } = await psp.refundPayment({
        idempotencyKey: `escrow:${escrowId}:refund:${refundId}`,
        escrowId,
        paymentTransactionId: job.paymentTransactionId,
        transactionDate: paymentLink?.createdAt ?? new Date(job.paidAt).toISOString(),
        amount: job.amount,
        currency: input.terms.currency,
        full: job.amount === state.payment?.amount,
        reason: job.reason,
      });
      apply({ type: 'refundResult', refundId, ok: true, pspRefundId: pspRefundId ?? '' });
    } catch (error) {
      apply({ type: 'refundResult', refundId, ok: false, error: failureMessage(error) });
    }
  };

  /**
   * Payouts and refunds run beside the main loop, so timers keep firing while a PSP is slow.
   * None starts while the ledger misses a money movement: money would leave it does not know of.
   */
  const startJobs = () => {
    if (ledgerBehind(state)) return;
    const start = (id: string, job: () => Promise<void>) => {
      if (runningJobs.has(id)) return;
      runningJobs.add(id);
      void job().finally(() => runningJobs.delete(id));
    };
    if (state.payout.status === 'pending') start('payout', payout);
    for (const job of pendingRefunds(state)) start(`refund:${job.id}`, () => refund(job.id));
  };
  const hasJobsToStart = () =>
    !ledgerBehind(state) &&
    ((state.payout.status === 'pending' && !runningJobs.has('payout')) ||
      pendingRefunds(state).some((r) => !runningJobs.has(`refund:${r.id}`)));

  upsertSearchAttributes([
    { key: PlatformId, value: input.terms.platformId },
    { key: SellerId, value: input.terms.sellerId },
    { key: BuyerId, value: input.terms.buyerId },
    { key: EscrowAmount, value: input.terms.amount },
    { key: EscrowCurrency, value: input.terms.currency },
  ]);
  await flush();
  paymentLink = await psp.createPaymentLink({
    idempotencyKey: `escrow:${escrowId}:payment`,
    escrowId,
    amount: input.terms.amount,
    currency: input.terms.currency,
    description: input.terms.description,
    expiresAt: new Date(state.deadlines.paymentWindow ?? Date.now()).toISOString(),
    returnUrl: input.returnUrl,
    clientIp: input.clientIp,
  });

  for (;;) {
    startJobs();
    await flush();
    const settled = isSettled(state) && runningJobs.size === 0;
    if (settled && Date.now() >= (state.closeAfter ?? 0)) break;
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
    if (!woken && next && Date.now() >= next.at) apply({ type: 'timer', timer: next.timer });
  }
  await condition(allHandlersFinished);
}

/** The domain's input for an action Update: its arguments, tagged with the Update's action. */
function actionInput(action: Action, args: AnyActionArgs): ActionInput & Actor {
  // The Update's name says which action's fields these are; TypeScript cannot follow it.
  return { ...args, action } as ActionInput & Actor;
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
