import type { Payout, PayoutApprovalState, PayoutTransactionState } from '@payos/node';

export type PayoutOutcome =
  | { status: 'succeeded' | 'pending' }
  | { status: 'failed'; reason: string };

/**
 * Where one transfer stands. Exhaustive, so a state a new SDK adds breaks the build instead of
 * being read as something it is not. REVERSED can follow SUCCEEDED: money that came back.
 */
const transactionStatus: Record<PayoutTransactionState, 'succeeded' | 'pending' | 'failed'> = {
  RECEIVED: 'pending',
  PROCESSING: 'pending',
  ON_HOLD: 'pending',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'failed',
  REVERSED: 'failed',
};

/** Approval states that end the whole payout before (or instead of) its transfers. */
const refusedApproval: ReadonlySet<PayoutApprovalState> = new Set([
  'REJECTED',
  'CANCELLED',
  'FAILED',
]);

/**
 * A payout is final when payOS says so: refused as a whole, or every transfer final. One failed
 * transfer fails it; until then any transfer (or none yet, while approval runs) keeps it pending.
 */
export function payoutOutcome(payout: Payout): PayoutOutcome {
  const failed = payout.transactions.find((t) => transactionStatus[t.state] === 'failed');
  if (failed) {
    const detail = [failed.errorCode, failed.errorMessage].filter(Boolean).join(': ');
    return { status: 'failed', reason: `transfer ${failed.state}${detail ? ` (${detail})` : ''}` };
  }
  if (refusedApproval.has(payout.approvalState)) {
    return { status: 'failed', reason: `payout ${payout.approvalState}` };
  }
  const done =
    payout.transactions.length > 0 &&
    payout.transactions.every((t) => transactionStatus[t.state] === 'succeeded');
  return { status: done ? 'succeeded' : 'pending' };
}
