import type { EscrowStatus } from '../domain/lifecycle.js';
import type { EscrowView } from '../domain/view.js';
import type { Sql } from '../infra/db.js';

// The ops console's reads of the escrow read model, across every platform (ops sees all).

export interface QueueEntry {
  id: string;
  platformId: string;
  reference: string;
  status: EscrowStatus;
  view: EscrowView;
  updatedAt: Date;
}

const QUEUE_LIMIT = 200;

/** Escrows flagged for a person (`needs_attention`), the longest waiting first. */
export async function attentionQueue(sql: Sql, limit = QUEUE_LIMIT): Promise<QueueEntry[]> {
  return sql<QueueEntry[]>`
    select id, platform_id as "platformId", reference, status, view, updated_at as "updatedAt"
      from escrows
     where needs_attention
     order by updated_at, id
     limit ${limit}`;
}

/**
 * Open disputes: the escrow is disputed, or any of its items is (a partial dispute while the
 * rest is inspected or released). Oldest dispute first.
 */
export async function openDisputes(sql: Sql, limit = QUEUE_LIMIT): Promise<QueueEntry[]> {
  return sql<QueueEntry[]>`
    select id, platform_id as "platformId", reference, status, view, updated_at as "updatedAt"
      from escrows
     where status = 'disputed'
        or jsonb_path_exists(view, '$.items[*] ? (@.status == "disputed")')
     order by coalesce(view #>> '{dispute,openedAt}', updated_at::text), id
     limit ${limit}`;
}

export interface EscrowStatusTotals {
  currency: string;
  /** Frozen by open disputes, per the escrows' views. */
  frozen: bigint;
  escrows: bigint;
  needingAttention: bigint;
  payoutsPending: bigint;
  payoutsFailed: bigint;
  refundsPending: bigint;
  refundsFailed: bigint;
}

/** Per currency, from the escrows' views: frozen money and payouts and refunds not settled. */
export async function escrowStatusTotals(sql: Sql): Promise<EscrowStatusTotals[]> {
  const rows = await sql<
    {
      currency: string;
      frozen: bigint;
      escrows: bigint;
      attention: bigint;
      payouts_pending: bigint;
      payouts_failed: bigint;
      refunds_pending: bigint;
      refunds_failed: bigint;
    }[]
  >`
    select currency,
           coalesce(sum((view #>> '{money,frozen}')::int8), 0)::int8 as frozen,
           count(*)::int8 as escrows,
           count(*) filter (where needs_attention)::int8 as attention,
           count(*) filter (where view #>> '{payout,status}' in ('pending', 'in_flight'))::int8 as payouts_pending,
           count(*) filter (where view #>> '{payout,status}' = 'failed')::int8 as payouts_failed,
           coalesce(sum(jsonb_array_length(jsonb_path_query_array(view, '$.refunds[*] ? (@.status == "pending" || @.status == "in_flight")'))), 0)::int8 as refunds_pending,
           coalesce(sum(jsonb_array_length(jsonb_path_query_array(view, '$.refunds[*] ? (@.status == "failed")'))), 0)::int8 as refunds_failed
      from escrows
     group by currency
     order by currency`;
  return rows.map((r) => ({
    currency: r.currency.trim(),
    frozen: r.frozen,
    escrows: r.escrows,
    needingAttention: r.attention,
    payoutsPending: r.payouts_pending,
    payoutsFailed: r.payouts_failed,
    refundsPending: r.refunds_pending,
    refundsFailed: r.refunds_failed,
  }));
}

const SEARCH_LIMIT = 50;

/** Escrows whose id, reference, buyer or seller is exactly this text; newest first. */
export async function searchEscrows(
  sql: Sql,
  text: string,
  limit = SEARCH_LIMIT,
): Promise<QueueEntry[]> {
  return sql<QueueEntry[]>`
    select id, platform_id as "platformId", reference, status, view, updated_at as "updatedAt"
      from escrows
     where id = ${text} or reference = ${text} or buyer_id = ${text} or seller_id = ${text}
     order by created_at desc, id desc
     limit ${limit}`;
}
