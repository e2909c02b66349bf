import {
  type GetTransactionInput,
  PspPermanentError,
  type RefundInput,
  type RefundStatus,
  type TransactionStatus,
} from '../types.js';
import { assertOrderId, newRequestId, refundOrderIdFor } from './fields.js';
import { type ApiConfig, callMomo, commonFailure, type MomoAnswer } from './http.js';
import { paths, pendingCodes, resultCode, signedFields } from './protocol.js';

/** MoMo's record of one orderId (a payment's or a refund's); undefined when it knows none (42). */
export async function queryOrder(
  config: ApiConfig,
  orderId: string,
): Promise<MomoAnswer | undefined> {
  const answer = await callMomo(config, paths.query, signedFields.query, {
    requestId: newRequestId(),
    orderId,
  });
  const failure = commonFailure('query', answer);
  if (failure) throw failure;
  return answer.resultCode === resultCode.orderNotFound ? undefined : answer;
}

const transIdOf = (answer: MomoAnswer): string | undefined => {
  const transId = answer.transId;
  return (typeof transId === 'number' || typeof transId === 'string') && String(transId) !== '0'
    ? String(transId)
    : undefined;
};

const amountOf = (answer: MomoAnswer): bigint | undefined =>
  typeof answer.amount === 'number' && Number.isSafeInteger(answer.amount)
    ? BigInt(answer.amount)
    : undefined;

/**
 * A payment's resultCode → its state. 9000 (authorized) counts as paid: the buyer's money is
 * held for us, and MoMo documents it as a success for one-step payments.
 */
export function paymentState(code: number): TransactionStatus['status'] {
  if (code === resultCode.success || code === resultCode.authorized) return 'succeeded';
  return pendingCodes.has(code) ? 'pending' : 'failed';
}

/** What MoMo knows of the payment whose orderId is the txnRef. */
export async function queryTransaction(
  config: ApiConfig,
  input: GetTransactionInput,
): Promise<TransactionStatus> {
  assertOrderId(input.txnRef);
  const answer = await queryOrder(config, input.txnRef);
  if (!answer) return { status: 'not_found' };
  const amount = amountOf(answer);
  const transId = transIdOf(answer);
  return {
    status: paymentState(answer.resultCode),
    ...(amount !== undefined ? { amount } : {}),
    ...(transId ? { providerTransactionId: transId } : {}),
  };
}

/**
 * What MoMo knows of the refund sent under `input.idempotencyKey`: each refund has its own
 * orderId, derived from that key, and is queried like a payment.
 */
export async function refundStatus(config: ApiConfig, input: RefundInput): Promise<RefundStatus> {
  const answer = await queryOrder(config, refundOrderIdFor(input.idempotencyKey));
  if (!answer) return { status: 'not_found' };
  const refundId = transIdOf(answer);
  const amount = amountOf(answer);
  if (amount !== undefined && amount !== input.amount) {
    throw new PspPermanentError(
      'idempotency_conflict',
      `refund ${input.idempotencyKey} is of ${amount} VND at MoMo, not ${input.amount}`,
      'momo',
    );
  }
  if (answer.resultCode === resultCode.success) {
    if (!refundId) {
      throw new PspPermanentError('invalid_response', 'query: refund without transId', 'momo');
    }
    return { status: 'succeeded', refundId };
  }
  if (pendingCodes.has(answer.resultCode)) {
    return { status: 'pending', ...(refundId ? { refundId } : {}) };
  }
  return {
    status: 'failed',
    ...(refundId ? { refundId } : {}),
    reason:
      `MoMo refund of ${input.txnRef}: ${answer.resultCode} ${String(answer.message ?? '')}`.trim(),
  };
}
