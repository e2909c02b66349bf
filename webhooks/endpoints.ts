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
 * platform's events recorded from now on.
 */
export async function createEndpoint(
  sql: Sql,
  platformId: string,
  url: string,
): Promise<WebhookEndpoint & { secret: string }> {
  const secret = generateSecret();
  const [row] = await sql<WebhookEndpoint[]>`
    insert into webhook_endpoints (id, platform_id, url, secret)
    values (${newEndpointId()}, ${platformId}, ${url}, ${secret})
    returning id, platform_id as "platformId", url, enabled, disabled_at as "disabledAt",
              disabled_reason as "disabledReason", created_at as "createdAt"`;
  if (!row) throw new Error('endpoint insert returned nothing');
  return { ...row, secret };
}

/** A platform's endpoints (secrets are never read back). */
export async function listEndpoints(sql: Sql, platformId: string): Promise<WebhookEndpoint[]> {
  return sql<WebhookEndpoint[]>`
    select id, platform_id as "platformId", url, enabled, disabled_at as "disabledAt",
           disabled_reason as "disabledReason", created_at as "createdAt"
      from webhook_endpoints where platform_id = ${platformId}
     order by created_at, id`;
}
