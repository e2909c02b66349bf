import type { EscrowStatus } from '../domain/lifecycle.js';
import { DEFAULT_RAIL, type Rail } from '../domain/rails.js';
import type { TenantScope } from '../domain/tenant.js';
import type { EscrowView } from '../domain/view.js';
import type { Sql } from '../infra/db.js';

// Tenant-scoped reads of the escrow read model (domain/tenant.ts says what a scope sees).

export interface EscrowRecord {
  id: string;
  platformId: string;
  status: EscrowStatus;
  lastSeq: number;
  view: EscrowView;
}

export async function getScopedEscrow(
  sql: Sql,
  scope: TenantScope,
  escrowId: string,
): Promise<EscrowRecord | undefined> {
  const [row] = await sql<EscrowRecord[]>`
    select id, platform_id as "platformId", status, last_seq as "lastSeq", view
      from escrows
     where id = ${escrowId}
       ${scope.platformId === null ? sql`` : sql`and platform_id = ${scope.platformId}`}`;
  return row;
}

/**
 * The escrow a rail's callback names: by its id, or by the rail's own order reference
 * (order_ref, payOS's orderCode) for rails that do not echo our txnRef. Across
 * platforms: the rail is no tenant.
 */
export async function findEscrowByOrderRef(
  sql: Sql,
  reference: string,
): Promise<EscrowRecord | undefined> {
  const [row] = await sql<EscrowRecord[]>`
    select id, platform_id as "platformId", status, last_seq as "lastSeq", view
      from escrows
     where id = ${reference} or order_ref = ${reference}
     limit 1`;
  return row;
}

/** Position in the listing order (newest first): creation time in microseconds, then id. */
export interface ListPosition {
  createdAtMicros: bigint;
  id: string;
}

export interface ListFilter extends TenantScope {
  status?: EscrowStatus | undefined;
  buyerId?: string | undefined;
  sellerId?: string | undefined;
  reference?: string | undefined;
  limit: number;
  after?: ListPosition | undefined;
}

export interface ListedEscrow {
  view: EscrowView;
  position: ListPosition;
}

/** One page, newest first, plus whether more follow. */
export async function listScopedEscrows(
  sql: Sql,
  filter: ListFilter,
): Promise<{ items: ListedEscrow[]; hasMore: boolean }> {
  const rows = await sql<{ id: string; view: EscrowView; created_us: bigint }[]>`
    select id, view, (extract(epoch from created_at) * 1000000)::int8 as created_us
      from escrows
     where true
       ${filter.platformId === null ? sql`` : sql`and platform_id = ${filter.platformId}`}
       ${filter.status === undefined ? sql`` : sql`and status = ${filter.status}`}
       ${filter.buyerId === undefined ? sql`` : sql`and buyer_id = ${filter.buyerId}`}
       ${filter.sellerId === undefined ? sql`` : sql`and seller_id = ${filter.sellerId}`}
       ${filter.reference === undefined ? sql`` : sql`and reference = ${filter.reference}`}
       ${
         filter.after === undefined
           ? sql``
           : sql`and (created_at, id) < (timestamptz 'epoch' + ${String(filter.after.createdAtMicros)}::int8 * interval '1 microsecond', ${filter.after.id})`
       }
     order by created_at desc, id desc
     limit ${filter.limit + 1}`;
  return {
    items: rows.slice(0, filter.limit).map((row) => ({
      view: row.view,
      position: { createdAtMicros: row.created_us, id: row.id },
    })),
    hasMore: rows.length > filter.limit,
  };
}

export interface EscrowEventRecord {
  seq: number;
  type: string;
  status: EscrowStatus;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/** An escrow's events in order, after `afterSeq`, at most `limit` (caller has checked scope). */
export async function listEscrowEvents(
  sql: Sql,
  escrowId: string,
  { afterSeq, limit }: { afterSeq: number; limit: number },
): Promise<{ items: EscrowEventRecord[]; hasMore: boolean }> {
  const rows = await sql<EscrowEventRecord[]>`
    select seq, type, status, data, occurred_at as "occurredAt"
      from escrow_events
     where escrow_id = ${escrowId} and seq > ${afterSeq}
     order by seq
     limit ${limit + 1}`;
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}

/**
 * Each escrow's payment link date (the rail's transaction date: VNPay finds the payment by it)
 * and the rail it was made on, by id; escrows recorded before the link was kept have none, and
 * terms without a rail (or rows without terms) were VNPay's.
 */
export async function paymentLinks(
  sql: Sql,
  escrowIds: readonly string[],
): Promise<Map<string, { createdAt: Date; rail: Rail }>> {
  if (escrowIds.length === 0) return new Map();
  const rows = await sql<{ id: string; createdAt: string; rail: Rail | null }[]>`
    select id, payment_link->>'createdAt' as "createdAt", terms->>'rail' as rail
      from escrows where id in ${sql([...escrowIds])} and payment_link ? 'createdAt'`;
  return new Map(
    rows.map((row) => [
      row.id,
      { createdAt: new Date(row.createdAt), rail: row.rail ?? DEFAULT_RAIL },
    ]),
  );
}

/** The currency of each of these escrows that exists, by id (whatever its platform). */
export async function escrowCurrencies(
  sql: Sql,
  escrowIds: readonly string[],
): Promise<Map<string, string>> {
  if (escrowIds.length === 0) return new Map();
  const rows = await sql<{ id: string; currency: string }[]>`
    select id, currency from escrows where id in ${sql([...escrowIds])}`;
  return new Map(rows.map((row) => [row.id, row.currency]));
}
