import { type AccountRef, accountRowIds } from './accounts.js';
import { InvalidEntryError } from './errors.js';
import type { EntryKind } from './postings.js';
import type { LedgerSql } from './sql.js';

export interface AccountBalance {
  currency: string;
  /** Sum of all postings (over every shard of a hot account). */
  balance: bigint;
  /** Reserved by open pending entries: outgoing, incoming. */
  pendingOut: bigint;
  pendingIn: bigint;
  /** balance − pendingOut: what a new entry may take out of a guarded account. */
  available: bigint;
  /** Number of postings. */
  postings: bigint;
}

/** An account's balance; an account never used reads as zero. */
export async function accountBalance(sql: LedgerSql, ref: AccountRef): Promise<AccountBalance> {
  const ids = await accountRowIds(sql, ref);
  const [row] = await sql<
    { balance: bigint; pending_out: bigint; pending_in: bigint; version: bigint }[]
  >`
    select coalesce(sum(balance), 0)::int8 as balance, coalesce(sum(pending_out), 0)::int8 as pending_out,
           coalesce(sum(pending_in), 0)::int8 as pending_in, coalesce(sum(version), 0)::int8 as version
      from ledger_accounts where id = any (${ids.map(String)}::int8[])`;
  const balance = row?.balance ?? 0n;
  const pendingOut = row?.pending_out ?? 0n;
  return {
    currency: ref.currency,
    balance,
    pendingOut,
    pendingIn: row?.pending_in ?? 0n,
    available: balance - pendingOut,
    postings: row?.version ?? 0n,
  };
}

export interface EscrowMoneySummary {
  currency: string;
  /** Paid in by the buyer (funding entries). */
  funded: bigint;
  /** In the holding account now. */
  held: bigint;
  /** Taken out of holding for the seller, fee included. */
  released: bigint;
  /** Taken out of holding back to the buyer. */
  refunded: bigint;
  /** Platform fee earned on this escrow. */
  fees: bigint;
  /** Paid out to the seller by payout entries tagged with this escrow. */
  paidOut: bigint;
}

/** Where an escrow's money is, from its entries; null when nothing was ever posted for it. */
export async function escrowMoneySummary(
  sql: LedgerSql,
  escrowId: string,
): Promise<EscrowMoneySummary | null> {
  const [row] = await sql<
    {
      currency: string | null;
      funded: bigint;
      held: bigint;
      released: bigint;
      refunded: bigint;
      fees: bigint;
      paid: bigint;
    }[]
  >`
    select
      (select currency from ledger_accounts where kind = 'escrow_holding' and escrow_id = ${escrowId}) as currency,
      coalesce(sum(p.amount) filter (where a.kind = 'escrow_holding' and e.kind = 'funding'), 0)::int8 as funded,
      coalesce(sum(p.amount) filter (where a.kind = 'escrow_holding'), 0)::int8 as held,
      coalesce(-sum(p.amount) filter (where a.kind = 'escrow_holding' and e.kind = 'release'), 0)::int8 as released,
      coalesce(-sum(p.amount) filter (where a.kind = 'escrow_holding' and e.kind = 'refund'), 0)::int8 as refunded,
      coalesce(sum(p.amount) filter (where a.kind = 'platform_fee_revenue'), 0)::int8 as fees,
      coalesce(-sum(p.amount) filter (where a.kind = 'seller_payable' and e.kind = 'payout'), 0)::int8 as paid
    from ledger_entries e
    join ledger_postings p on p.entry_id = e.id
    join ledger_accounts a on a.id = p.account_id
    where e.escrow_id = ${escrowId}`;
  if (!row?.currency) return null;
  return {
    currency: row.currency,
    funded: row.funded,
    held: row.held,
    released: row.released,
    refunded: row.refunded,
    fees: row.fees,
    paidOut: row.paid,
  };
}

export interface HistoryItem {
  entryId: string;
  entryKind: EntryKind;
  phase: 'final' | 'post';
  escrowId: string | null;
  amount: bigint;
  /** Balance of the account row after this posting (of its shard, for a hot account). */
  balanceAfter: bigint;
  /** Position in the account row's gap-free history. */
  version: bigint;
  shard: number;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

export interface HistoryPage {
  items: HistoryItem[];
  /** Pass back to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

function decodeCursor(cursor: string): { entryId: bigint; accountId: bigint; version: bigint } {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(cursor);
  if (!match) throw new InvalidEntryError(`not a history cursor: ${cursor}`);
  return {
    entryId: BigInt(match[1] ?? 0),
    accountId: BigInt(match[2] ?? 0),
    version: BigInt(match[3] ?? 0),
  };
}

/**
 * An account's postings, newest first, `limit` at a time. Each account row's versions grow with
 * entry ids (an entry id is drawn after its accounts are locked), so every shard can be walked
 * backwards on its (account_id, account_version) index and the shards merged by entry id.
 */
export async function accountHistory(
  sql: LedgerSql,
  ref: AccountRef,
  { limit = 50, cursor }: { limit?: number; cursor?: string | null } = {},
): Promise<HistoryPage> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidEntryError('limit is an integer from 1 to 1000');
  }
  const ids = await accountRowIds(sql, ref);
  if (ids.length === 0) return { items: [], nextCursor: null };
  const after = cursor ? decodeCursor(cursor) : null;
  // Past the cursor: older entries, or the same entry's other postings further down the order.
  const rows = await sql<
    {
      entry_id: bigint;
      account_id: bigint;
      kind: EntryKind;
      phase: 'final' | 'post';
      escrow_id: string | null;
      amount: bigint;
      balance_after: bigint;
      account_version: bigint;
      shard: number;
      metadata: Record<string, unknown>;
      created_at: Date;
    }[]
  >`
    select p.entry_id, p.account_id, e.kind, e.phase, e.escrow_id, p.amount, p.balance_after,
           p.account_version, a.shard, e.metadata, e.created_at
      from ledger_accounts a
      cross join lateral (
        select * from ledger_postings p
         where p.account_id = a.id
           and (${after === null} or (p.entry_id, -p.account_id, -p.account_version)
                < (${String(after?.entryId ?? 0n)}::int8, -${String(after?.accountId ?? 0n)}::int8,
                   -${String(after?.version ?? 0n)}::int8))
         order by p.account_version desc
         limit ${limit + 1}
      ) p
      join ledger_entries e on e.id = p.entry_id
     where a.id = any (${ids.map(String)}::int8[])
     order by p.entry_id desc, p.account_id, p.account_version desc
     limit ${limit + 1}`;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      entryId: r.entry_id.toString(),
      entryKind: r.kind,
      phase: r.phase,
      escrowId: r.escrow_id,
      amount: r.amount,
      balanceAfter: r.balance_after,
      version: r.account_version,
      shard: r.shard,
      metadata: r.metadata,
      createdAt: r.created_at,
    })),
    nextCursor:
      rows.length > limit && last
        ? `${last.entry_id}.${last.account_id}.${last.account_version}`
        : null,
  };
}
