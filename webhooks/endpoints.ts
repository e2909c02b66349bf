import { randomBytes } from 'node:crypto';
import { isWebhookEventType, type WebhookEventType } from '../domain/events.js';
import type { Sql } from '../infra/db.js';
import { generateSecret } from './signing.js';

/** A filter names only event types the platform may receive (the API's schema checks it first). */
function assertEventTypes(eventTypes: readonly string[] | null | undefined): void {
  const unknown = (eventTypes ?? []).filter((t) => !isWebhookEventType(t));
  if (unknown.length > 0) throw new Error(`unknown webhook event types: ${unknown.join(', ')}`);
}

export interface WebhookEndpoint {
  id: string;
  platformId: string;
  url: string;
  enabled: boolean;
  disabledAt: Date | null;
  disabledReason: string | null;
  /** null: every event type. */
  eventTypes: string[] | null;
  /** When the previous secret stops signing (a rotation's overlap), if it still does. */
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, platform_id as "platformId", url, enabled, disabled_at as "disabledAt",
  disabled_reason as "disabledReason", event_types as "eventTypes",
  case when previous_secret_until > now() then previous_secret_until end
    as "previousSecretExpiresAt",
  created_at as "createdAt", updated_at as "updatedAt"`;

export const newEndpointId = (): string => `we_${randomBytes(12).toString('hex')}`;

/**
 * Registers an endpoint with a fresh secret (returned here, and only here). It receives the
 * platform's events recorded from now on. Idempotent by id: a retry with the same id (an
 * Idempotency-Key replay after a crash) finds the endpoint already made and returns it.
 */
export async function createEndpoint(
  sql: Sql,
  platformId: string,
  url: string,
  id: string = newEndpointId(),
  eventTypes: readonly WebhookEventType[] | null = null,
): Promise<WebhookEndpoint & { secret: string }> {
  assertEventTypes(eventTypes);
  const [row] = await sql<(WebhookEndpoint & { secret: string })[]>`
    with inserted as (
      insert into webhook_endpoints (id, platform_id, url, secret, event_types)
      values (${id}, ${platformId}, ${url}, ${generateSecret()},
              ${eventTypes ? [...new Set(eventTypes)] : null}::text[])
      on conflict (id) do nothing
      returning *
    )
    select ${sql.unsafe(COLUMNS)}, secret
      from (select * from inserted
            union all
            select * from webhook_endpoints where id = ${id} and platform_id = ${platformId}) e
     limit 1`;
  if (!row) throw new Error(`endpoint id ${id} is taken by another platform`);
  return row;
}

/** A platform's endpoints, not deleted (secrets are never read back). */
export async function listEndpoints(sql: Sql, platformId: string): Promise<WebhookEndpoint[]> {
  return sql<WebhookEndpoint[]>`
    select ${sql.unsafe(COLUMNS)}
      from webhook_endpoints where platform_id = ${platformId} and deleted_at is null
     order by created_at, id`;
}

/** A platform's endpoint, not deleted; secrets are never read back. */
export async function findEndpoint(
  sql: Sql,
  platformId: string,
  id: string,
): Promise<WebhookEndpoint | undefined> {
  const [row] = await sql<WebhookEndpoint[]>`
    select ${sql.unsafe(COLUMNS)} from webhook_endpoints
     where id = ${id} and platform_id = ${platformId} and deleted_at is null`;
  return row;
}

export interface EndpointChanges {
  url?: string;
  /** null: every event type. */
  eventTypes?: readonly WebhookEventType[] | null;
}

/** Changes the URL and/or the event-type filter; undefined when there is no such endpoint. */
export async function updateEndpoint(
  sql: Sql,
  platformId: string,
  id: string,
  changes: EndpointChanges,
): Promise<WebhookEndpoint | undefined> {
  assertEventTypes(changes.eventTypes);
  const eventTypes =
    changes.eventTypes === undefined
      ? undefined
      : changes.eventTypes === null
        ? null
        : [...new Set(changes.eventTypes)];
  const [row] = await sql<WebhookEndpoint[]>`
    update webhook_endpoints
       set url = coalesce(${changes.url ?? null}, url),
           event_types = case when ${eventTypes !== undefined} then ${eventTypes ?? null}::text[]
                              else event_types end,
           updated_at = now()
     where id = ${id} and platform_id = ${platformId} and deleted_at is null
    returning ${sql.unsafe(COLUMNS)}`;
  return row;
}

/**
 * Disables (its queued deliveries are then given up by the dispatcher, new events skip it) or
 * enables it again (events from then on; what failed meanwhile can be redelivered).
 */
export async function setEndpointEnabled(
  sql: Sql,
  platformId: string,
  id: string,
  enabled: boolean,
): Promise<WebhookEndpoint | undefined> {
  const [row] = await sql<WebhookEndpoint[]>`
    update webhook_endpoints
       set enabled = ${enabled},
           disabled_at = case when ${enabled} then null
                              when enabled then now() else disabled_at end,
           disabled_reason = case when ${enabled} then null
                                  when enabled then 'disabled by the platform'
                                  else disabled_reason end,
           updated_at = now()
     where id = ${id} and platform_id = ${platformId} and deleted_at is null
    returning ${sql.unsafe(COLUMNS)}`;
  if (row && !enabled) await giveUpQueued(sql, id, 'not sent: the endpoint was disabled');
  return row;
}

/**
 * Deletes it: disabled, hidden from every read, its queued deliveries given up. The row stays
 * (deliveries reference it), its secret replaced by one nobody knows. True when it existed.
 */
export async function deleteEndpoint(sql: Sql, platformId: string, id: string): Promise<boolean> {
  const rows = await sql`
    update webhook_endpoints
       set enabled = false, disabled_at = coalesce(disabled_at, now()),
           disabled_reason = 'deleted', deleted_at = now(), updated_at = now(),
           secret = ${generateSecret()}, previous_secret = null, previous_secret_until = null
     where id = ${id} and platform_id = ${platformId} and deleted_at is null
    returning id`;
  if (rows.length === 0) return false;
  await giveUpQueued(sql, id, 'not sent: the endpoint was deleted');
  return true;
}

async function giveUpQueued(sql: Sql, endpointId: string, reason: string): Promise<void> {
  await sql`
    update webhook_deliveries
       set status = 'failed', failed_at = now(), next_attempt_at = null, updated_at = now(),
           last_error = ${reason}
     where endpoint_id = ${endpointId} and status = 'pending'`;
}

export interface RotatedSecret {
  endpoint: WebhookEndpoint;
  secret: string;
  /** Until then deliveries are signed with the previous secret too; null: no overlap. */
  previousSecretExpiresAt: Date | null;
}

/**
 * Replaces the signing secret with `newSecret`. For `overlapMs` the previous one keeps signing
 * too (each delivery carries both signatures); only one previous secret is kept, so rotating
 * again during an overlap ends the older one. Idempotent by `newSecret`: a retry that finds it
 * already in place changes nothing.
 */
export async function rotateSecret(
  sql: Sql,
  platformId: string,
  id: string,
  newSecret: string,
  overlapMs: number,
): Promise<RotatedSecret | undefined> {
  const [row] = await sql<
    (WebhookEndpoint & { secret: string; previousSecretUntil: Date | null })[]
  >`
    update webhook_endpoints
       set previous_secret = case when secret = ${newSecret} then previous_secret
                                  when ${overlapMs} > 0 then secret end,
           previous_secret_until = case
             when secret = ${newSecret} then previous_secret_until
             when ${overlapMs} > 0 then now() + ${overlapMs}::float8 * interval '1 millisecond' end,
           secret = ${newSecret},
           updated_at = now()
     where id = ${id} and platform_id = ${platformId} and deleted_at is null
    returning ${sql.unsafe(COLUMNS)}, secret, previous_secret_until as "previousSecretUntil"`;
  if (!row) return undefined;
  const { secret, previousSecretUntil, ...endpoint } = row;
  return { endpoint, secret, previousSecretExpiresAt: previousSecretUntil };
}

/** The secrets a delivery is signed with now: the current one, then the previous in its overlap. */
export async function signingSecrets(
  sql: Sql,
  platformId: string,
  id: string,
): Promise<string[] | undefined> {
  const [row] = await sql<{ secret: string; previous: string | null }[]>`
    select secret,
           case when previous_secret_until > now() then previous_secret end as previous
      from webhook_endpoints
     where id = ${id} and platform_id = ${platformId} and deleted_at is null`;
  if (!row) return undefined;
  return row.previous ? [row.secret, row.previous] : [row.secret];
}
