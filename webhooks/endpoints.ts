import { randomBytes } from 'node:crypto';
import type { Sql } from '../infra/db.js';
import { generateSecret } from './signing.js';

export interface WebhookEndpoint {
  id: string;
  platformId: string;
  url: string;
  enabled: boolean;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
}

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
): Promise<WebhookEndpoint & { secret: string }> {
  const [row] = await sql<(WebhookEndpoint & { secret: string })[]>`
    with inserted as (
      insert into webhook_endpoints (id, platform_id, url, secret)
      values (${id}, ${platformId}, ${url}, ${generateSecret()})
      on conflict (id) do nothing
      returning *
    )
    select id, platform_id as "platformId", url, secret, enabled, disabled_at as "disabledAt",
           disabled_reason as "disabledReason", created_at as "createdAt"
      from (select * from inserted
            union all
            select * from webhook_endpoints where id = ${id} and platform_id = ${platformId}) e
     limit 1`;
  if (!row) throw new Error(`endpoint id ${id} is taken by another platform`);
  return row;
}

/** A platform's endpoints (secrets are never read back). */
export async function listEndpoints(sql: Sql, platformId: string): Promise<WebhookEndpoint[]> {
  return sql<WebhookEndpoint[]>`
    select id, platform_id as "platformId", url, enabled, disabled_at as "disabledAt",
           disabled_reason as "disabledReason", created_at as "createdAt"
      from webhook_endpoints where platform_id = ${platformId}
     order by created_at, id`;
}
