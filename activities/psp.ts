import { ApplicationFailure, Context } from '@temporalio/activity';
import { type PaymentProvider, PspPermanentError } from '../psp/types.js';

export interface PaymentLinkInput {
  idempotencyKey: string;
  escrowId: string;
  amount: number;
  currency: string;
  description: string;
  expiresAt: string;
  returnUrl: string;
  clientIp: string;
}

export interface RefundPaymentInput {
  idempotencyKey: string;
  escrowId: string;
  paymentTransactionId: string;
  /** When the payment link was created: VNPay's vnp_TransactionDate. */
  transactionDate: string;
  amount: number;
  currency: string;
  full: boolean;
  reason: string;
}

export interface SendPayoutInput {
  idempotencyKey: string;
  amount: number;
  currency: string;
  destination: { bankCode: string; accountNumber: string; accountName: string };
  description: string;
}

/**
 * A permanent PSP refusal becomes a non-retryable failure of type PspPermanentError (its code
 * in the message and details), which the workflow handles; anything else is retried.
 */
async function callPsp<T>(call: () => Promise<T>): Promise<T> {
  // Heartbeats while waiting on the PSP, so a worker that dies mid-call is noticed within the
  // heartbeat timeout and the call is retried (same idempotency key) on another worker.
  const heartbeat = setInterval(() => Context.current().heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await call();
  } catch (error) {
    if (error instanceof PspPermanentError) {
      throw ApplicationFailure.nonRetryable(
        `${error.code}: ${error.message}`,
        'PspPermanentError',
        {
          code: error.code,
        },
      );
    }
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}

const HEARTBEAT_EVERY_MS = 2_000;

/** PSP calls, each carrying the idempotency key the workflow derived from its id and step. */
export function createPspActivities(provider: PaymentProvider) {
  return {
    async createPaymentLink(input: PaymentLinkInput) {
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

    async refundPayment(input: RefundPaymentInput) {
      const result = await callPsp(() =>
        provider.refund({
          idempotencyKey: input.idempotencyKey,
          txnRef: input.escrowId,
          providerTransactionId: input.paymentTransactionId,
          transactionDate: new Date(input.transactionDate),
          amount: BigInt(input.amount),
          currency: input.currency,
          full: input.full,
          reason: input.reason,
        }),
      );
      return { pspRefundId: result.refundId };
    },

    async sendPayout(input: SendPayoutInput) {
      const result = await callPsp(() =>
        provider.payout({ ...input, amount: BigInt(input.amount) }),
      );
      return { payoutId: result.payoutId };
    },
  };
}
