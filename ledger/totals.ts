import type { LedgerSql } from './sql.js';

/** The ledger's money per currency, across every platform and escrow (the ops console's summary). */
export interface CurrencyTotals {
  currency: string;
  /** In escrow holding accounts now. */
  held: bigint;
  /** Taken out of holding for sellers, fee included, ever. */
  released: bigint;
  /** Taken out of holding back to buyers, ever. */
  refunded: bigint;
  /** Platform fee revenue earned. */
  fees: bigint;
  /** Owed to sellers and not paid out yet (seller payable accounts). */
  sellerPayable: bigint;
  /** Owed to buyers and not refunded yet (buyer refund accounts). */
  buyerRefundable: bigint;
  /** Reserved by open two-phase entries (payouts and refunds in flight), outgoing. */
  pendingOut: bigint;
}

/**
 * Totals per currency: balances from the account rows (kept in step with the postings by the
 * database), what left holding by entry kind from the postings of holding accounts.
 */
export async function ledgerTotals(sql: LedgerSql): Promise<CurrencyTotals[]> {
  const rows = await sql<
    {
      currency: string;
      held: bigint;
      fees: bigint;
      seller_payable: bigint;
      buyer_refundable: bigint;
      pending_out: bigint;
      released: bigint;
      refunded: bigint;
    }[]
  >`
    with balances as (
      select currency,
             coalesce(sum(balance) filter (where kind = 'escrow_holding'), 0)::int8 as held,
             coalesce(sum(balance) filter (where kind = 'platform_fee_revenue'), 0)::int8 as fees,
             coalesce(sum(balance) filter (where kind = 'seller_payable'), 0)::int8 as seller_payable,
             coalesce(sum(balance) filter (where kind = 'buyer_refund'), 0)::int8 as buyer_refundable,
             coalesce(sum(pending_out) filter (where kind <> 'psp_clearing'), 0)::int8 as pending_out
        from ledger_accounts
       group by currency
    ), outflows as (
      select a.currency,
             coalesce(-sum(p.amount) filter (where e.kind = 'release'), 0)::int8 as released,
             coalesce(-sum(p.amount) filter (where e.kind = 'refund'), 0)::int8 as refunded
        from ledger_accounts a
        join ledger_postings p on p.account_id = a.id
        join ledger_entries e on e.id = p.entry_id
       where a.kind = 'escrow_holding'
       group by a.currency
    )
    select b.currency, b.held, b.fees, b.seller_payable, b.buyer_refundable, b.pending_out,
           coalesce(o.released, 0)::int8 as released, coalesce(o.refunded, 0)::int8 as refunded
      from balances b left join outflows o using (currency)
     order by b.currency`;
  return rows.map((r) => ({
    currency: r.currency,
    held: r.held,
    released: r.released,
    refunded: r.refunded,
    fees: r.fees,
    sellerPayable: r.seller_payable,
    buyerRefundable: r.buyer_refundable,
    pendingOut: r.pending_out,
  }));
}
