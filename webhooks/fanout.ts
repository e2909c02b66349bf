import type { Sql } from '../infra/db.js';

/** Any constant works; every process that fans out must use the same one. */
const FAN_OUT_LOCK_ID = 727_040;
const DEFAULT_BATCH = 500;

/**
 * Turns new outbox rows into one pending delivery per enabled endpoint of the row's platform
 * that existed when the event was recorded and whose event-type filter (if any) names it. One fan-out runs at a time (an advisory lock; the
 * others skip), taking rows in id order and committing each batch before the next, so an
 * escrow's event n has its deliveries before event n+1 does. Returns the outbox rows handled.
 */
export async function fanOut(sql: Sql, batchSize = DEFAULT_BATCH): Promise<number> {
  let handled = 0;
  for (;;) {
    const rows = await sql.begin(async (tx) => {
      const [lock] = await tx<{ locked: boolean }[]>`
        select pg_try_advisory_xact_lock(${FAN_OUT_LOCK_ID}) as locked`;
      if (!lock?.locked) return undefined;
      return tx<{ id: bigint }[]>`
        with batch as (
          select id, platform_id, escrow_id, seq, event_type, created_at
            from webhook_outbox
           where fanned_out_at is null
           order by id
           limit ${batchSize}
        ), deliveries as (
          insert into webhook_deliveries
            (id, endpoint_id, outbox_id, platform_id, escrow_id, seq, event_type, next_attempt_at)
          select 'whd_' || replace(gen_random_uuid()::text, '-', ''), e.id, b.id, b.platform_id,
                 b.escrow_id, b.seq, b.event_type, now()
            from batch b
            join webhook_endpoints e
              on e.platform_id = b.platform_id and e.enabled and e.created_at <= b.created_at
             and (e.event_types is null or b.event_type = any (e.event_types))
           order by b.id, e.id
          on conflict (endpoint_id, outbox_id) do nothing
        )
        update webhook_outbox o set fanned_out_at = now()
          from batch b where o.id = b.id
        returning o.id`;
    });
    if (!rows) return handled;
    handled += rows.length;
    if (rows.length < batchSize) return handled;
  }
}
