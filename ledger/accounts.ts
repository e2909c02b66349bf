import { InvalidEntryError } from './errors.js';
import type { LedgerSql } from './sql.js';

/**
 * Accounts are named by what they mean, never by id; the ledger creates each on first use.
 * Sign convention: an account's balance is the sum of its signed postings, and the money the
 * engine owes to someone (held, payable, refundable) is a positive balance.
 */
export type AccountRef =
  /** Money at the payment provider: funding takes from it, payouts and refunds give back. */
  | { kind: 'psp_clearing'; currency: string; provider?: string }
  /** What one escrow holds; one currency per escrow. */
  | { kind: 'escrow_holding'; escrowId: string; currency: string }
  | { kind: 'seller_payable'; platformId: string; sellerId: string; currency: string }
  | { kind: 'buyer_refund'; platformId: string; currency: string }
  | { kind: 'platform_fee_revenue'; platformId: string; currency: string };

export type AccountKind = AccountRef['kind'];

export const ACCOUNT_KINDS: readonly AccountKind[] = [
  'psp_clearing',
  'escrow_holding',
  'seller_payable',
  'buyer_refund',
  'platform_fee_revenue',
];

/**
 * Accounts that may go negative take no overdraft guard, so they are split into shard rows
 * (migration 0011) and an entry locks one shard only: these are the hot accounts.
 */
export function mayGoNegative(kind: AccountKind): boolean {
  return kind === 'psp_clearing' || kind === 'platform_fee_revenue';
}

const MAX_ID_LENGTH = 200;

function assertId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new InvalidEntryError(
      `${what} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
    );
  }
}

/** Throws InvalidEntryError unless `ref` is a well-formed account reference. */
export function assertAccountRef(ref: AccountRef): void {
  if (typeof ref !== 'object' || ref === null || !ACCOUNT_KINDS.includes(ref.kind)) {
    throw new InvalidEntryError(
      `unknown account kind ${String((ref as { kind?: unknown })?.kind)}`,
    );
  }
  if (typeof ref.currency !== 'string' || !/^[A-Z]{3}$/.test(ref.currency)) {
    throw new InvalidEntryError(`currency must be an ISO 4217 code, not ${String(ref.currency)}`);
  }
  switch (ref.kind) {
    case 'psp_clearing':
      if (ref.provider !== undefined) assertId(ref.provider, 'provider');
      break;
    case 'escrow_holding':
      assertId(ref.escrowId, 'escrowId');
      break;
    case 'seller_payable':
      assertId(ref.platformId, 'platformId');
      assertId(ref.sellerId, 'sellerId');
      break;
    default:
      assertId(ref.platformId, 'platformId');
  }
}

/** The owner columns of an account row, as the posting functions read them from JSON. */
export interface AccountColumns {
  kind: AccountKind;
  currency: string;
  platformId?: string;
  escrowId?: string;
  sellerId?: string;
  provider?: string;
}

/** Only the fields that name the account: stray properties on a ref never reach the database. */
export function accountColumns(ref: AccountRef): AccountColumns {
  switch (ref.kind) {
    case 'psp_clearing':
      return { kind: ref.kind, currency: ref.currency, provider: ref.provider };
    case 'escrow_holding':
      return { kind: ref.kind, currency: ref.currency, escrowId: ref.escrowId };
    case 'seller_payable':
      return {
        kind: ref.kind,
        currency: ref.currency,
        platformId: ref.platformId,
        sellerId: ref.sellerId,
      };
    default:
      return { kind: ref.kind, currency: ref.currency, platformId: ref.platformId };
  }
}

/** The columns of ledger_accounts that say which account a row is. */
export interface AccountRow {
  kind: string;
  currency: string;
  platform_id: string | null;
  escrow_id: string | null;
  seller_id: string | null;
  provider: string | null;
}

/** The account a row of ledger_accounts stands for. */
export function accountRefOf(row: AccountRow): AccountRef {
  const { currency } = row;
  switch (row.kind as AccountKind) {
    case 'psp_clearing':
      return row.provider === null
        ? { kind: 'psp_clearing', currency }
        : { kind: 'psp_clearing', currency, provider: row.provider };
    case 'escrow_holding':
      return { kind: 'escrow_holding', escrowId: row.escrow_id ?? '', currency };
    case 'seller_payable':
      return {
        kind: 'seller_payable',
        platformId: row.platform_id ?? '',
        sellerId: row.seller_id ?? '',
        currency,
      };
    default:
      return {
        kind: row.kind as 'buyer_refund' | 'platform_fee_revenue',
        platformId: row.platform_id ?? '',
        currency,
      };
  }
}

/** Ids of the rows (one, or one per shard of a hot account) behind a reference; empty if unused. */
export async function accountRowIds(sql: LedgerSql, ref: AccountRef): Promise<bigint[]> {
  assertAccountRef(ref);
  const c = accountColumns(ref);
  const rows = await sql<{ id: bigint }[]>`
    select id from ledger_accounts
     where ref_key = ledger_ref_key(${c.kind}, ${c.currency}, ${c.platformId ?? null},
                                    ${c.escrowId ?? null}, ${c.sellerId ?? null}, ${c.provider ?? null})
     order by shard`;
  return rows.map((r) => r.id);
}
