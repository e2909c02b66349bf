import { randomUUID } from 'node:crypto';
import type { Payout, PayoutApprovalState, PayoutTransactionState } from '@payos/node';
import type { SandboxContext } from '../context.js';
import type { SandboxPayout } from '../store.js';

export interface PayoutRequestBody {
  referenceId: string;
  amount: number;
  description: string;
  toBin: string;
  toAccountNumber: string;
  category?: string[] | undefined;
}

/** A payout's state, without the create reply made from it. */
type PayoutState = Omit<SandboxPayout, 'createReply'>;

/** How the sandbox's three states read in payOS's two state fields. */
const wireStates: Record<
  SandboxPayout['status'],
  { state: PayoutTransactionState; approvalState: PayoutApprovalState }
> = {
  pending: { state: 'PROCESSING', approvalState: 'PROCESSING' },
  succeeded: { state: 'SUCCEEDED', approvalState: 'COMPLETED' },
  failed: { state: 'FAILED', approvalState: 'FAILED' },
};

/** Sandbox rule: accounts are 6–20 digits, and those starting with 000 do not exist. */
const accountExists = (accountNumber: string) =>
  /^\d{6,20}$/.test(accountNumber) && !accountNumber.startsWith('000');

/** The sandbox's own failure codes: payOS publishes none for transfers. */
const failures = {
  declined: { errorCode: 'DECLINED', errorMessage: 'the bank declined the transfer' },
  noAccount: { errorCode: 'INVALID_ACCOUNT', errorMessage: 'the account does not exist' },
};

/**
 * Makes the payout the request asks for: paid at once by default; FAILED for an account that
 * does not exist or under a `decline` fault; PROCESSING for a number of reads under `pending`.
 */
export function makePayout(
  context: SandboxContext,
  key: string,
  body: PayoutRequestBody,
  requestHash: string,
): SandboxPayout {
  const draft: PayoutState = {
    idempotencyKey: key,
    requestHash,
    payoutId: randomUUID().replaceAll('-', ''),
    transactionId: randomUUID().replaceAll('-', ''),
    referenceId: body.referenceId,
    amount: String(body.amount),
    description: body.description,
    toBin: body.toBin,
    toAccountNumber: body.toAccountNumber,
    category: body.category ?? null,
    status: 'pending',
    toAccountName: null,
    reference: null,
    transactionDatetime: null,
    errorCode: null,
    errorMessage: null,
    createdAt: new Date().toISOString(),
  };
  const exists = accountExists(body.toAccountNumber);
  const fault = exists ? context.faults.take('payout', ['decline', 'pending']) : undefined;
  if (!exists) settle(draft, 'failed', failures.noAccount);
  else if (fault?.kind === 'decline') settle(draft, 'failed');
  else if (fault?.kind === 'pending') {
    draft.pending = { readsLeft: fault.pendingQueries, outcome: fault.outcome };
  } else settle(draft, 'succeeded');
  const record: SandboxPayout = { ...draft, createReply: wirePayout(draft) };
  context.store.payouts.set(key, record);
  context.store.changed();
  context.log.info({ key, payoutId: record.payoutId, status: record.status }, 'payout');
  return record;
}

/** A read (GET or list) of the payout: a pending one counts down, then takes its outcome. */
export function readPayout(context: SandboxContext, record: SandboxPayout): Payout {
  if (record.pending) {
    if (record.pending.readsLeft > 0) record.pending.readsLeft -= 1;
    else settle(record, record.pending.outcome);
    context.store.changed();
  }
  return wirePayout(record);
}

function settle(
  record: PayoutState,
  outcome: 'succeeded' | 'failed',
  failure = failures.declined,
): void {
  record.status = outcome;
  delete record.pending;
  if (outcome === 'succeeded') {
    record.toAccountName = 'NGUYEN VAN SANDBOX';
    record.reference = `FT${randomUUID().replaceAll('-', '').slice(0, 14).toUpperCase()}`;
    record.transactionDatetime = vietnamTime(new Date());
  } else {
    record.errorCode = failure.errorCode;
    record.errorMessage = failure.errorMessage;
  }
}

/** The payout as payOS shows it: one transaction, dates in Vietnam time like payOS's. */
function wirePayout(record: PayoutState): Payout {
  const { state, approvalState } = wireStates[record.status];
  return {
    id: record.payoutId,
    referenceId: record.referenceId,
    transactions: [
      {
        id: record.transactionId,
        referenceId: record.referenceId,
        amount: Number(record.amount),
        description: record.description,
        toBin: record.toBin,
        toAccountNumber: record.toAccountNumber,
        toAccountName: record.toAccountName,
        reference: record.reference,
        transactionDatetime: record.transactionDatetime,
        errorMessage: record.errorMessage,
        errorCode: record.errorCode,
        state,
      },
    ],
    category: record.category,
    approvalState,
    createdAt: vietnamTime(new Date(record.createdAt)),
  };
}

const vietnamTime = (date: Date) =>
  `${new Date(date.getTime() + 7 * 3_600_000).toISOString().slice(0, 19)}+07:00`;
