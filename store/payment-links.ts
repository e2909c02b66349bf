import type { Sql } from '../infra/db.js';

export interface PaymentLinkRecord {
  escrowId: string;
  provider: string;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * Keeps the escrow's payment link dates. A retried activity makes a new link: the last one
 * written is the one the workflow got, so it replaces the earlier one.
 */
export async function recordPaymentLink(sql: Sql, link: PaymentLinkRecord): Promise<void> {
  await sql`
    insert into payment_links (escrow_id, provider, created_at, expires_at)
    values (${link.escrowId}, ${link.provider}, ${link.createdAt}, ${link.expiresAt})
    on conflict (escrow_id) do update set
      provider = excluded.provider,
      created_at = excluded.created_at,
      expires_at = excluded.expires_at`;
}

/** When each escrow's payment link was created (the rail's transaction date), by escrow id. */
export async function paymentLinkDates(
  sql: Sql,
  escrowIds: readonly string[],
): Promise<Map<string, Date>> {
  if (escrowIds.length === 0) return new Map();
  const rows = await sql<{ escrowId: string; createdAt: Date }[]>`
    select escrow_id as "escrowId", created_at as "createdAt"
      from payment_links where escrow_id in ${sql([...escrowIds])}`;
  return new Map(rows.map((row) => [row.escrowId, row.createdAt]));
}
