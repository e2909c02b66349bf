import { PspPermanentError, type RefundInput, type RefundStatus } from '../types.js';
import { amountToVnp, transactionNoOf, transactionStatus, transactionType } from './protocol.js';
import { querydr } from './query.js';
import type { ApiConfig } from './transaction-api.js';

/**
 * A refund's vnp_TransactionStatus → where it stands. 01 (not completed) is read as still in
 * progress; 02, 04 and 07 are payment states VNPay does not document for a refund, so they are
 * refused rather than guessed final.
 */
export function refundState(status: string | undefined): 'succeeded' | 'pending' | 'failed' {
  switch (status) {
    case transactionStatus.success:
      return 'succeeded';
    case transactionStatus.pending:
    case transactionStatus.refundProcessing:
    case transactionStatus.refundSentToBank:
      return 'pending';
    case transactionStatus.refundRejected:
      return 'failed';
    default:
      throw new PspPermanentError(
        'invalid_response',
        `VNPay reports a refund with vnp_TransactionStatus ${JSON.stringify(status)}`,
        'vnpay',
      );
  }
}

/**
 * What VNPay knows of the refund `input` describes. VNPay has no refund-status call: querydr on
 * the payment's TxnRef is the only view. Its answer is one record whose vnp_TransactionType
 * says what it is (01 the payment, 02/03 a refund) and whose vnp_TransactionStatus carries the
 * refund states (05, 06, 09), so it is read as showing the payment until a refund is made, then
 * the latest refund with its amount, state and transaction number — VNPay's docs say neither
 * which record it shows after several refunds nor whose vnp_Amount it is. A refund is taken for
 * ours when its type and vnp_Amount match.
 *
 * The limit: refunds are told apart by type and amount only. A refund hidden behind a later one
 * reads as not_found, and two partial refunds of the same amount look alike: a payment's
 * refunds must be made one at a time, each final before the next is sent.
 */
export async function refundStatus(
  config: ApiConfig,
  input: RefundInput,
  now: Date = new Date(),
): Promise<RefundStatus> {
  const record = await querydr(
    config,
    { txnRef: input.txnRef, transactionDate: input.transactionDate },
    now,
  );
  const type = input.full ? transactionType.fullRefund : transactionType.partialRefund;
  if (
    !record ||
    record.vnp_TransactionType !== type ||
    record.vnp_Amount !== amountToVnp(input.amount)
  ) {
    return { status: 'not_found' };
  }
  const state = refundState(record.vnp_TransactionStatus);
  const refundId = transactionNoOf(record);
  if (state === 'succeeded') {
    if (!refundId) {
      throw new PspPermanentError(
        'invalid_response',
        `querydr: refund of ${input.txnRef} succeeded without a vnp_TransactionNo`,
        'vnpay',
      );
    }
    return { status: 'succeeded', refundId };
  }
  if (state === 'failed') {
    return {
      status: 'failed',
      ...(refundId ? { refundId } : {}),
      reason: `VNPay rejected the refund of ${input.txnRef} (vnp_TransactionStatus 09)`,
    };
  }
  return { status: 'pending', ...(refundId ? { refundId } : {}) };
}
