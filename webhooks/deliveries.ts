// What platforms and ops read of deliveries through the API, and a redelivery on request.
import type { TenantScope } from '../domain/tenant.js';
import type { Sql, Tx } from '../infra/db.js';

export interface AttemptView {
  attempt: number;
  startedAt: string;
  durationMs: number | null;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

type DeliveryTime =
  | 'nextAttemptAt'
  | 'lastAttemptAt'
  | 'createdAt'
  | 'updatedAt'
  | 'succeededAt'
  | 'failedAt';

export interface DeliveryView {
  id: string;
  endpointId: string;
  url: string;
  eventId: string;
  eventType: string;
  escrowId: string;
  seq: number;
  status: 'pending' | 'delivering' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  succeededAt: string | null;
  failedAt: string | null;
  history: AttemptView[];
}

/** The row as Postgres returns it: the view's times as dates, plus the list position. */
type DeliveryRow = Omit<DeliveryView, DeliveryTime | 'history'> & {
  position: bigint;
} & { [K in DeliveryTime]: DeliveryView[K] extends string ? Date : Date | null };

interface AttemptRow {
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  durationMs: number | null;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

const scopeFilter = (sql: Sql | Tx, scope: TenantScope) =>
  scope.platformId === null ? sql`` : sql`and d.platform_id = ${scope.platformId}`;

export interface ListDeliveriesInput {
  scope: TenantScope;
  escrowId?: string;
  limit: number;
  /** Continue after this position (newest first). */
  before?: bigint;
}

/** Deliveries newest first, each with its attempt history; `nextBefore` when more follow. */
export async function listDeliveries(
  sql: Sql,
  { scope, escrowId, limit, before }: ListDeliveriesInput,
): Promise<{ deliveries: DeliveryView[]; nextBefore: bigint | null }> {
  const rows = await sql<DeliveryRow[]>`
    ${selectDeliveries(sql)}
     where true ${scopeFilter(sql, scope)}
       ${escrowId === undefined ? sql`` : sql`and d.escrow_id = ${escrowId}`}
       ${before === undefined ? sql`` : sql`and d.position < ${before}`}
     order by d.position desc
     limit ${limit + 1}`;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    deliveries: await withHistory(sql, page),
    nextBefore: rows.length > limit && last ? last.position : null,
  };
}

export async function findDelivery(
  sql: Sql | Tx,
  id: string,
  scope: TenantScope,
): Promise<DeliveryView | undefined> {
  const rows = await sql<DeliveryRow[]>`
    ${selectDeliveries(sql)} where d.id = ${id} ${scopeFilter(sql, scope)}`;
  return (await withHistory(sql, rows))[0];
}

export type RedeliverResult =
  | { ok: true; delivery: DeliveryView }
  | { ok: false; reason: 'not_found' | 'in_flight' | 'endpoint_disabled' };

/**
 * Queues a delivery again, due now, with a fresh retry schedule: after it succeeded, was given
 * up, or while it waits for a retry. Not while an attempt is in flight, nor to a disabled
 * endpoint.
 */
export async function redeliver(
  sql: Sql,
  id: string,
  scope: TenantScope,
): Promise<RedeliverResult> {
  // One transaction: the answer is the delivery as queued, not as a dispatcher that claimed it
  // a moment later sees it (the row stays locked to dispatchers until this commits).
  return sql.begin(async (tx) => {
    const updated = await tx`
      update webhook_deliveries d
         set status = 'pending', next_attempt_at = now(), round_attempts = 0,
             succeeded_at = null, failed_at = null, updated_at = now()
        from webhook_endpoints e
       where d.id = ${id} ${scopeFilter(tx, scope)}
         and e.id = d.endpoint_id and e.enabled and d.status <> 'delivering'
      returning d.id`;
    const delivery = await findDelivery(tx, id, scope);
    if (!delivery) return { ok: false, reason: 'not_found' } as const;
    if (updated.length === 0) {
      return {
        ok: false,
        reason: delivery.status === 'delivering' ? 'in_flight' : 'endpoint_disabled',
      } as const;
    }
    return { ok: true, delivery } as const;
  });
}

const selectDeliveries = (sql: Sql | Tx) => sql`
  select d.id, d.position, d.endpoint_id as "endpointId", e.url, o.payload->>'id' as "eventId",
         d.event_type as "eventType", d.escrow_id as "escrowId", d.seq, d.status, d.attempts,
         d.next_attempt_at as "nextAttemptAt", d.last_attempt_at as "lastAttemptAt",
         d.last_status_code as "lastStatusCode", d.last_error as "lastError",
         d.created_at as "createdAt", d.updated_at as "updatedAt",
         d.succeeded_at as "succeededAt", d.failed_at as "failedAt"
    from webhook_deliveries d
    join webhook_endpoints e on e.id = d.endpoint_id
    join webhook_outbox o on o.id = d.outbox_id`;

async function withHistory(sql: Sql | Tx, rows: DeliveryRow[]): Promise<DeliveryView[]> {
  if (rows.length === 0) return [];
  const attempts = await sql<AttemptRow[]>`
    select delivery_id as "deliveryId", attempt, started_at as "startedAt",
           duration_ms as "durationMs", status_code as "statusCode", error,
           response_excerpt as "responseExcerpt"
      from webhook_delivery_attempts
     where delivery_id in ${sql(rows.map((r) => r.id))}
     order by delivery_id, attempt`;
  const byDelivery = new Map<string, AttemptView[]>();
  for (const a of attempts) {
    const list = byDelivery.get(a.deliveryId) ?? [];
    list.push({
      attempt: a.attempt,
      startedAt: a.startedAt.toISOString(),
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
      responseExcerpt: a.responseExcerpt,
    });
    byDelivery.set(a.deliveryId, list);
  }
  return rows.map(({ position: _position, ...r }) => ({
    ...r,
    nextAttemptAt: iso(r.nextAttemptAt),
    lastAttemptAt: iso(r.lastAttemptAt),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    succeededAt: iso(r.succeededAt),
    failedAt: iso(r.failedAt),
    history: byDelivery.get(r.id) ?? [],
  }));
}
