import { ApplicationFailure, Context } from '@temporalio/activity';
import { DEFAULT_RAIL, type Rail } from '../domain/rails.js';
import { RAIL_REGISTRY } from '../psp/registry.js';
import {
  type PaymentProvider,
  type PayoutProvider,
  PspPermanentError,
  type RefundInput,
  type RefundResult,
  type RefundStatus,
} from '../psp/types.js';
import { permanentWriteError } from '../store/permanent-errors.js';
import type { ProviderForEscrow } from './escrow-providers.js';

export interface PaymentLinkInput {
  /** The escrow's rail (terms.rail); absent in histories from before rails: VNPay. */
  rail?: Rail;
  /**
   * The escrow's platform (terms.platformId), whose credentials make the link; absent in
   * histories from before it was passed: read from the escrow's row.
   */
  platformId?: string;
  idempotencyKey: string;
  escrowId: string;
  amount: number;
  currency: string;
  description: string;
  expiresAt: string;
  returnUrl: string;
  clientIp: string;
}

export interface CheckPaymentInput {
  /** The escrow's rail (terms.rail); absent in histories from before rails: VNPay. */
  rail?: Rail;
  escrowId: string;
  /**
   * The order the rail knows the payment by, when it is not the escrow's own: a checkout's
   * escrows share their checkout's one payment (its id). Absent: the escrow id.
   */
  orderId?: string;
  /** When the payment link was created: VNPay's vnp_TransactionDate. */
  transactionDate: string;
}

export interface RefundPaymentInput {
  /** The escrow's rail (terms.rail); absent in histories from before rails: VNPay. */
  rail?: Rail;
  idempotencyKey: string;
  escrowId: string;
  /**
   * The order the rail knows the payment by, when it is not the escrow's own: a checkout
   * escrow's refund is a partial refund of its checkout's one payment (the checkout id).
   * Absent: the escrow id.
   */
  orderId?: string;
  paymentTransactionId: string;
  /** When the payment link was created: VNPay's vnp_TransactionDate. */
  transactionDate: string;
  amount: number;
  currency: string;
  full: boolean;
  reason: string;
  /** The buyer's account (terms.refundDestination), for a rail that cannot refund (payOS). */
  refundDestination?: SendPayoutInput['destination'];
}

export interface SendPayoutInput {
  idempotencyKey: string;
  amount: number;
  currency: string;
  destination: { bankCode: string; accountNumber: string; accountName: string };
  description: string;
}

/**
 * Where a refund or payout stands once the rail accepted it; failures are thrown. Histories
 * recorded before pending states existed hold results without `status`: those succeeded.
 */
export interface RefundProgress {
  status?: 'succeeded' | 'pending';
  pspRefundId?: string;
}
export interface PayoutProgress {
  status?: 'succeeded' | 'pending';
  payoutId?: string;
}

/** The failure type of a status query that found the operation still in progress. */
export const STILL_PENDING = 'StillPending';

/**
 * A permanent PSP refusal becomes a non-retryable failure of type PspPermanentError (its code
 * in the message and details), which the workflow handles; anything else is retried.
 */
async function callPsp<T>(call: () => Promise<T>): Promise<T> {
  // Heartbeats while waiting on the PSP, so a worker that dies mid-call is noticed within the
  // heartbeat timeout and the call is retried (same idempotency key) on another worker. A local
  // activity has none: its workflow task's timeout notices a dead worker.
  const context = Context.current();
  const heartbeat = context.info.isLocal
    ? undefined
    : setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await call();
  } catch (error) {
    if (error instanceof PspPermanentError) throw permanentFailure(error.code, error.message);
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}

const HEARTBEAT_EVERY_MS = 2_000;

const permanentFailure = (code: string, message: string) =>
  ApplicationFailure.nonRetryable(`${code}: ${message}`, 'PspPermanentError', { code });

/** Retried by the activity's retry policy, whose backoff paces the polling. */
const stillPending = (what: string) =>
  ApplicationFailure.retryable(`${what} is still pending at the rail`, STILL_PENDING);

/**
 * A retry may follow a request whose answer was lost (a timeout, a dead worker): the rail is
 * asked first what it did with the key, and the request is sent only if it never arrived.
 */
const isRetry = () => Context.current().info.attempt > 1;

const refundProgress = (r: { status: 'succeeded' | 'pending'; refundId?: string }) => ({
  status: r.status,
  ...(r.refundId === undefined ? {} : { pspRefundId: r.refundId }),
});
const payoutProgress = (p: { status: 'succeeded' | 'pending'; payoutId: string }) => ({
  status: p.status,
  payoutId: p.payoutId,
});

/** Keeps the rail's order reference on the escrow's row; false when the row is not there yet. */
export type KeepOrderRef = (escrowId: string, orderRef: string) => Promise<boolean>;

/** PSP calls, each carrying the idempotency key the workflow derived from its id and step. */
export function createPspActivities(
  providerForEscrow: ProviderForEscrow,
  payouts: PayoutProvider,
  keepOrderRef: KeepOrderRef,
) {
  /** A rail neither the platform nor this worker has cannot be asked: ops must look. */
  const railOf = async (input: {
    rail?: Rail | undefined;
    escrowId: string;
    platformId?: string | undefined;
  }): Promise<PaymentProvider> => {
    const name = input.rail ?? DEFAULT_RAIL;
    const provider = await providerForEscrow(input.escrowId, name, input.platformId);
    if (!provider) throw permanentFailure('misconfigured', `the ${name} rail is not enabled`);
    return provider;
  };
  const refundInput = (input: RefundPaymentInput): RefundInput => ({
    idempotencyKey: input.idempotencyKey,
    txnRef: input.orderId ?? input.escrowId,
    providerTransactionId: input.paymentTransactionId,
    transactionDate: new Date(input.transactionDate),
    amount: BigInt(input.amount),
    currency: input.currency,
    full: input.full,
    reason: input.reason,
  });
  /**
   * Where a refund goes: back through the collection rail, or, for a rail that cannot pay the
   * payer back (payOS), out through the payout rail to the buyer's account, under the refund's
   * own idempotency key (so reconciliation and a retry find it the same way).
   */
  const refundRoute = async (
    input: RefundPaymentInput,
  ): Promise<{ send(): Promise<RefundResult>; status(): Promise<RefundStatus> }> => {
    const rail = input.rail ?? DEFAULT_RAIL;
    if (RAIL_REGISTRY[rail].refunds) {
      const provider = await railOf(input);
      return {
        send: () => provider.refund(refundInput(input)),
        status: () => provider.getRefund(refundInput(input)),
      };
    }
    const destination = input.refundDestination;
    if (!destination) {
      throw permanentFailure(
        'invalid_destination',
        `${rail} cannot refund to the payer, and the escrow has no refundDestination`,
      );
    }
    const payout = {
      idempotencyKey: input.idempotencyKey,
      amount: BigInt(input.amount),
      currency: input.currency,
      destination,
      description: `Refund ${input.escrowId}`,
    };
    return {
      send: async () => {
        const sent = await payouts.payout(payout);
        return { status: sent.status, refundId: sent.payoutId };
      },
      status: async () => {
        const known = await payouts.getPayout(payout);
        if (known.status === 'not_found') return known;
        if (known.status === 'failed') {
          return { status: 'failed', refundId: known.payoutId, reason: known.reason };
        }
        return { status: known.status, refundId: known.payoutId };
      },
    };
  };
  const refundStatus = async (input: RefundPaymentInput) => {
    const route = await refundRoute(input);
    const status = await callPsp(() => route.status());
    if (status.status === 'failed') {
      throw permanentFailure('declined', `refund ${input.idempotencyKey}: ${status.reason}`);
    }
    return status;
  };
  const payoutStatus = async (input: { idempotencyKey: string }) => {
    const status = await callPsp(() => payouts.getPayout(input));
    if (status.status === 'failed') {
      throw permanentFailure(status.code, `payout ${input.idempotencyKey}: ${status.reason}`);
    }
    return status;
  };

  return {
    async createPaymentLink(input: PaymentLinkInput) {
      const provider = await railOf(input);
      const orderRef = provider.orderRefOf?.(input.escrowId);
      // Kept before the link exists: its callback may come before the workflow's next write,
      // and an orderRef another escrow holds is refused before a shared link is made.
      if (orderRef !== undefined) {
        const kept = await keepOrderRef(input.escrowId, orderRef).catch((error: unknown) => {
          const why = permanentWriteError(error);
          if (why)
            throw permanentFailure('idempotency_conflict', `order reference ${orderRef}: ${why}`);
          throw error;
        });
        if (!kept) throw new Error(`escrow ${input.escrowId} is not recorded yet`);
      }
      const link = await callPsp(() =>
        provider.createPayment({
          idempotencyKey: input.idempotencyKey,
          txnRef: input.escrowId,
          amount: BigInt(input.amount),
          currency: input.currency,
          description: input.description,
          returnUrl: input.returnUrl,
          expiresAt: new Date(input.expiresAt),
          clientIp: input.clientIp,
        }),
      );
      return {
        url: link.url,
        expiresAt: link.expiresAt.toISOString(),
        createdAt: link.createdAt.toISOString(),
      };
    },

    /** What the rail knows of the escrow's payment: asked before the payment window closes. */
    async checkPayment(input: CheckPaymentInput) {
      const provider = await railOf(input);
      const status = await callPsp(() =>
        provider.getTransaction({
          txnRef: input.orderId ?? input.escrowId,
          transactionDate: new Date(input.transactionDate),
        }),
      );
      return {
        status: status.status,
        ...(status.providerTransactionId === undefined
          ? {}
          : { providerTransactionId: status.providerTransactionId }),
        ...(status.amount === undefined ? {} : { amount: Number(status.amount) }),
      };
    },

    async refundPayment(input: RefundPaymentInput): Promise<RefundProgress> {
      if (isRetry()) {
        const known = await refundStatus(input);
        if (known.status !== 'not_found') return refundProgress(known);
      }
      const route = await refundRoute(input);
      return refundProgress(await callPsp(() => route.send()));
    },

    /** Polls a refund the rail accepted until it is final. */
    async awaitRefund(input: RefundPaymentInput): Promise<RefundProgress> {
      const known = await refundStatus(input);
      if (known.status === 'pending') throw stillPending(`refund ${input.idempotencyKey}`);
      if (known.status === 'not_found') {
        throw permanentFailure('invalid_response', `refund ${input.idempotencyKey} vanished`);
      }
      return refundProgress(known);
    },

    async sendPayout(input: SendPayoutInput): Promise<PayoutProgress> {
      if (isRetry()) {
        const known = await payoutStatus(input);
        if (known.status !== 'not_found') return payoutProgress(known);
      }
      return payoutProgress(
        await callPsp(() => payouts.payout({ ...input, amount: BigInt(input.amount) })),
      );
    },

    /** Polls a payout the rail accepted until it is final. */
    async awaitPayout(input: SendPayoutInput): Promise<PayoutProgress> {
      const known = await payoutStatus(input);
      if (known.status === 'pending') throw stillPending(`payout ${input.idempotencyKey}`);
      if (known.status === 'not_found') {
        throw permanentFailure('invalid_response', `payout ${input.idempotencyKey} vanished`);
      }
      return payoutProgress(known);
    },
  };
}
