// The dispatcher's work queue in Postgres: claim what is due, record each attempt's result.
import type { Sql } from '../infra/db.js';
import { nextRetryDelay } from './schedule.js';

/** A delivery a dispatcher has claimed: what it needs to make one attempt. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  url: string;
  secret: string;
  /** The secret before the last rotation, while its overlap lasts: deliveries carry both. */
  previousSecret: string | null;
  escrowId: string;
  seq: number;
  /** The attempt number this claim stands for; results are accepted only for it. */
  attempt: number;
  roundAttempts: number;
  payload: { id: string; type: string } & Record<string, unknown>;
}

export interface ClaimOptions {
  limit: number;
  leaseMs: number;
  /**
   * At most this many attempts in flight per endpoint (as far as this claim can see), so one
   * slow or unreachable endpoint cannot take every slot from the others.
   */
  perEndpoint?: number;
}

/**
 * Claims up to `limit` due deliveries for this dispatcher, marking them `delivering` with a
 * lease. Due: pending and its time has come, or delivering whose lease ran out (the process that
 * claimed it stopped; that attempt is recorded as lost). In order per escrow per endpoint: a
 * delivery is not due while an earlier event of its escrow is still open for the same endpoint,
 * or not yet fanned out. `SKIP LOCKED` lets several dispatchers claim side by side, never the
 * same row.
 */
export async function claimDue(
  sql: Sql,
  { limit, leaseMs, perEndpoint = limit }: ClaimOptions,
): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  return sql<ClaimedDelivery[]>`
    with busy as (
      select endpoint_id, count(*) as in_flight
        from webhook_deliveries
       where status = 'delivering' and lease_until >= now()
       group by endpoint_id
    ), candidates as (
      select d.id,
             row_number() over (
               partition by d.endpoint_id
               order by coalesce(d.next_attempt_at, d.lease_until), d.position) as rank,
             coalesce(b.in_flight, 0) as in_flight
        from webhook_deliveries d
        join webhook_endpoints e on e.id = d.endpoint_id
        left join busy b on b.endpoint_id = d.endpoint_id
       where e.enabled
         and ((d.status = 'pending' and d.next_attempt_at <= now())
              or (d.status = 'delivering' and d.lease_until < now()))
         and not exists (
           select 1 from webhook_deliveries p
            where p.endpoint_id = d.endpoint_id and p.escrow_id = d.escrow_id
              and p.seq < d.seq and p.status in ('pending', 'delivering'))
         and not exists (
           select 1 from webhook_outbox o
            where o.escrow_id = d.escrow_id and o.seq < d.seq and o.fanned_out_at is null)
    ), due as (
      select d.id, d.status as previous_status, d.attempts as previous_attempt,
             d.last_attempt_at as previous_started_at
        from webhook_deliveries d
        join candidates c on c.id = d.id
       where c.rank + c.in_flight <= ${perEndpoint}
         -- Checked again on the locked row: another dispatcher may have claimed it meanwhile.
         and ((d.status = 'pending' and d.next_attempt_at <= now())
              or (d.status = 'delivering' and d.lease_until < now()))
       order by coalesce(d.next_attempt_at, d.lease_until), d.position
       limit ${limit}
       for update of d skip locked
    ), lost as (
      insert into webhook_delivery_attempts (delivery_id, attempt, started_at, error)
      select id, previous_attempt, previous_started_at,
             'no result recorded: the dispatcher stopped during this attempt'
        from due
       where previous_status = 'delivering' and previous_attempt > 0
      on conflict (delivery_id, attempt) do nothing
    ), claimed as (
      update webhook_deliveries d
         set status = 'delivering',
             attempts = d.attempts + 1,
             round_attempts = d.round_attempts + 1,
             lease_until = now() + ${leaseMs}::float8 * interval '1 millisecond',
             last_attempt_at = now(),
             next_attempt_at = null,
             updated_at = now()
        from due
       where d.id = due.id
      returning d.id, d.endpoint_id, d.outbox_id, d.escrow_id, d.seq, d.attempts, d.round_attempts
    )
    select c.id, c.endpoint_id as "endpointId", e.url, e.secret,
           case when e.previous_secret_until > now() then e.previous_secret end
             as "previousSecret",
           c.escrow_id as "escrowId",
           c.seq, c.attempts as attempt, c.round_attempts as "roundAttempts", o.payload
      from claimed c
      join webhook_endpoints e on e.id = c.endpoint_id
      join webhook_outbox o on o.id = c.outbox_id
     order by c.escrow_id, c.seq`;
}

/** What happened on one attempt. */
export interface AttemptResult {
  startedAt: Date;
  durationMs: number;
  statusCode?: number;
  error?: string;
  responseExcerpt?: string;
}

export type AttemptOutcome =
  /** 2xx. */
  | 'succeeded'
  /** Failed; another attempt is scheduled. */
  | 'retrying'
  /** Failed and the retry schedule is used up (or the endpoint was disabled): given up. */
  | 'failed'
  /** 410 Gone: the endpoint is disabled and its queued deliveries given up. */
  | 'endpoint_disabled'
  /** The lease had run out and another dispatcher took the delivery over: only logged. */
  | 'superseded';

export const isSuccess = (statusCode: number | undefined): boolean =>
  statusCode !== undefined && statusCode >= 200 && statusCode < 300;

/**
 * Records an attempt and moves the delivery on: succeeded, retried after the schedule's next
 * delay, or given up. Only the claim that made the attempt may move it (fenced by attempt
 * number); a late result from a superseded claim still lands in the attempt history.
 */
export async function recordAttempt(
  sql: Sql,
  delivery: ClaimedDelivery,
  result: AttemptResult,
  retrySchedule: readonly number[],
): Promise<AttemptOutcome> {
  const succeeded = isSuccess(result.statusCode);
  const gone = result.statusCode === 410;
  const delay =
    succeeded || gone ? undefined : nextRetryDelay(retrySchedule, delivery.roundAttempts);
  const error =
    result.error ?? (succeeded ? null : `endpoint answered HTTP ${result.statusCode ?? '?'}`);
  return sql.begin(async (tx) => {
    await tx`
      insert into webhook_delivery_attempts
        (delivery_id, attempt, started_at, duration_ms, status_code, error, response_excerpt)
      values (${delivery.id}, ${delivery.attempt}, ${result.startedAt}, ${result.durationMs},
              ${result.statusCode ?? null}, ${error}, ${result.responseExcerpt ?? null})
      on conflict (delivery_id, attempt) do update set
        duration_ms = excluded.duration_ms, status_code = excluded.status_code,
        error = excluded.error, response_excerpt = excluded.response_excerpt`;

    if (gone) {
      const reason = `the endpoint answered 410 Gone (delivery ${delivery.id})`;
      await tx`
        update webhook_endpoints
           set enabled = false, disabled_at = now(), disabled_reason = ${reason}
         where id = ${delivery.endpointId} and enabled`;
      await tx`
        update webhook_deliveries
           set status = 'failed', failed_at = now(), next_attempt_at = null, updated_at = now(),
               last_error = ${'not sent: the endpoint was disabled after answering 410 Gone'}
         where endpoint_id = ${delivery.endpointId} and status = 'pending'`;
    }

    const moved = await tx<{ status: string }[]>`
      update webhook_deliveries d
         set status = case
               when ${succeeded} then 'succeeded'
               when ${delay ?? null}::float8 is not null and e.enabled then 'pending'
               else 'failed' end,
             next_attempt_at = case
               when not ${succeeded} and ${delay ?? null}::float8 is not null and e.enabled
               then now() + ${delay ?? 0}::float8 * interval '1 millisecond' end,
             succeeded_at = case when ${succeeded} then now() else d.succeeded_at end,
             failed_at = case
               when not ${succeeded} and (${delay ?? null}::float8 is null or not e.enabled)
               then now() end,
             lease_until = null,
             last_status_code = ${result.statusCode ?? null},
             last_error = ${error},
             updated_at = now()
        from webhook_endpoints e
       where d.id = ${delivery.id} and e.id = d.endpoint_id
         and d.status = 'delivering' and d.attempts = ${delivery.attempt}
      returning d.status`;
    const status = moved[0]?.status;
    if (status === undefined) return 'superseded';
    if (gone) return 'endpoint_disabled';
    return status === 'succeeded' ? 'succeeded' : status === 'pending' ? 'retrying' : 'failed';
  });
}

/**
 * Gives up what can no longer go anywhere: deliveries of disabled endpoints that are queued, or
 * whose attempt was claimed by a process that died. Returns how many.
 */
export async function giveUpOrphans(sql: Sql): Promise<number> {
  const rows = await sql`
    update webhook_deliveries d
       set status = 'failed', failed_at = now(), next_attempt_at = null, lease_until = null,
           updated_at = now(), last_error = coalesce(d.last_error, 'not sent: the endpoint is disabled')
      from webhook_endpoints e
     where e.id = d.endpoint_id and not e.enabled
       and (d.status = 'pending' or (d.status = 'delivering' and d.lease_until < now()))
    returning d.id`;
  return rows.length;
}
