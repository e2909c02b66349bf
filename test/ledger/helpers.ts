import type { AccountRef, EntryResult, LedgerSql } from '../../ledger/index.js';
import { postEntry } from '../../ledger/index.js';

export const PLATFORM = 'plt_test';

export const psp = (currency = 'VND'): AccountRef => ({ kind: 'psp_clearing', currency });
export const holding = (escrowId: string, currency = 'VND'): AccountRef => ({
  kind: 'escrow_holding',
  escrowId,
  currency,
});
export const payable = (sellerId: string, currency = 'VND', platformId = PLATFORM): AccountRef => ({
  kind: 'seller_payable',
  platformId,
  sellerId,
  currency,
});
export const refundable = (currency = 'VND', platformId = PLATFORM): AccountRef => ({
  kind: 'buyer_refund',
  platformId,
  currency,
});
export const fees = (currency = 'VND', platformId = PLATFORM): AccountRef => ({
  kind: 'platform_fee_revenue',
  platformId,
  currency,
});

/** psp_clearing −amount, escrow_holding +amount. */
export function fund(
  sql: LedgerSql,
  escrowId: string,
  amount: bigint,
  options: { key?: string; currency?: string; platformId?: string } = {},
): Promise<EntryResult> {
  const currency = options.currency ?? 'VND';
  return postEntry(sql, {
    platformId: options.platformId ?? PLATFORM,
    idempotencyKey: options.key ?? `fund:${escrowId}`,
    kind: 'funding',
    postings: [
      { account: psp(currency), amount: -amount },
      { account: holding(escrowId, currency), amount },
    ],
  });
}

/** escrow_holding −amount, seller_payable +(amount − fee), platform_fee_revenue +fee. */
export function release(
  sql: LedgerSql,
  escrowId: string,
  sellerId: string,
  amount: bigint,
  fee: bigint,
  key = `release:${escrowId}`,
): Promise<EntryResult> {
  return postEntry(sql, {
    platformId: PLATFORM,
    idempotencyKey: key,
    kind: 'release',
    postings: [
      { account: holding(escrowId), amount: -amount },
      { account: payable(sellerId), amount: amount - fee },
      ...(fee > 0n ? [{ account: fees(), amount: fee }] : []),
    ],
  });
}

/** Runs a function whose promise must reject, and returns what it rejected with. */
export async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
