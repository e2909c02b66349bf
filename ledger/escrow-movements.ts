import type { EscrowTerms, MoneyMovement } from '../domain/escrow.js';
import type { AccountRef } from './accounts.js';
import { LedgerError } from './errors.js';
import { createPendingEntry, postPendingEntry, voidPendingEntry } from './pending.js';
import { type EntryResult, type Posting, postEntry } from './postings.js';
import type { LedgerSql } from './sql.js';

/**
 * Turns an escrow's money movement into its ledger entry. Keys are derived from the escrow and
 * the step (`escrow:<id>:<step>`), so a retried activity replays the entry instead of moving
 * money twice.
 */
export async function postEscrowMovement(
  sql: LedgerSql,
  terms: EscrowTerms,
  seq: number,
  movement: MoneyMovement,
): Promise<EntryResult> {
  const { escrowId, platformId, sellerId, currency } = terms;
  const key = (step: string) => `escrow:${escrowId}:${step}`;
  const holding: AccountRef = { kind: 'escrow_holding', escrowId, currency };
  const clearing: AccountRef = { kind: 'psp_clearing', currency };
  const payable: AccountRef = { kind: 'seller_payable', platformId, sellerId, currency };
  const refundable: AccountRef = { kind: 'buyer_refund', platformId, currency };
  const feeRevenue: AccountRef = { kind: 'platform_fee_revenue', platformId, currency };
  // Workflow payloads are JSON, so amounts arrive as safe integers; from here on they are bigint.
  const legs = (...pairs: Array<[AccountRef, number]>): Posting[] =>
    pairs
      .filter(([, amount]) => amount !== 0)
      .map(([account, amount]) => ({ account, amount: BigInt(amount) }));
  const base = { platformId, escrowId, metadata: { seq } };

  switch (movement.kind) {
    case 'funding':
      return postEntry(sql, {
        ...base,
        kind: 'funding',
        idempotencyKey: key(`funding:${movement.paymentTransactionId}`),
        postings: legs([clearing, -movement.amount], [holding, movement.amount]),
      });
    case 'release':
      return postEntry(sql, {
        ...base,
        kind: 'release',
        idempotencyKey: key(`release:${seq}`),
        postings: legs(
          [holding, -(movement.sellerAmount + movement.fee)],
          [payable, movement.sellerAmount],
          [feeRevenue, movement.fee],
        ),
      });
    case 'refund':
      return postEntry(sql, {
        ...base,
        kind: 'refund',
        idempotencyKey: key(`refund:${movement.refundId}`),
        postings: legs([holding, -movement.amount], [refundable, movement.amount]),
      });
    case 'payout_reserve':
      return createPendingEntry(sql, {
        ...base,
        kind: 'payout',
        idempotencyKey: key(`payout:${movement.attempt}`),
        postings: legs([payable, -movement.amount], [clearing, movement.amount]),
      });
    case 'refund_reserve':
      return createPendingEntry(sql, {
        ...base,
        kind: 'refund_payout',
        idempotencyKey: key(refundPayoutStep(movement)),
        postings: legs([refundable, -movement.amount], [clearing, movement.amount]),
      });
    case 'payout_settle':
    case 'payout_void': {
      const pending = await pendingEntryId(sql, platformId, key(`payout:${movement.attempt}`));
      const resolution = {
        pendingEntryId: pending,
        idempotencyKey: key(`payout:${movement.attempt}:resolve`),
        metadata: { seq },
      };
      return movement.kind === 'payout_settle'
        ? postPendingEntry(sql, resolution)
        : voidPendingEntry(sql, resolution);
    }
    case 'refund_settle':
    case 'refund_void': {
      const pending = await pendingEntryId(sql, platformId, key(refundPayoutStep(movement)));
      const resolution = {
        pendingEntryId: pending,
        idempotencyKey: key(`${refundPayoutStep(movement)}:resolve`),
        metadata: { seq },
      };
      return movement.kind === 'refund_settle'
        ? postPendingEntry(sql, resolution)
        : voidPendingEntry(sql, resolution);
    }
  }
}

/** A refund's send to the rail: the first keeps its original key, retries add the attempt. */
const refundPayoutStep = ({ refundId, attempt }: { refundId: string; attempt?: number }) =>
  attempt === undefined ? `refund-payout:${refundId}` : `refund-payout:${refundId}:${attempt}`;

async function pendingEntryId(
  sql: LedgerSql,
  platformId: string,
  idempotencyKey: string,
): Promise<string> {
  const [row] = await sql<{ id: bigint }[]>`
    select id from ledger_entries
     where platform_id = ${platformId} and idempotency_key = ${idempotencyKey} and phase = 'pending'`;
  if (!row) throw new LedgerError('LEDGER_PENDING_NOT_FOUND', `no pending entry ${idempotencyKey}`);
  return row.id.toString();
}
