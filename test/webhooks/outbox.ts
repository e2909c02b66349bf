import { randomBytes } from 'node:crypto';
import type { Sql } from '../../infra/db.js';
import { createLogger } from '../../infra/logger.js';
import { type DispatcherOptions, startWebhookDispatcher } from '../../webhooks/dispatcher.js';

export const quietLogger = createLogger({ level: 'silent', pretty: false });

export const newEscrowId = () => `esc_${randomBytes(10).toString('hex')}`;

const TYPES = [
  'created',
  'payment_confirmed',
  'shipped',
  'delivered',
  'accepted',
  'funds_released',
  'payout_succeeded',
];

/**
 * Records events the way recordTransition does (one outbox row per event, payload
 * `{ id: evt_<escrow>_<seq>, type, createdAt, data }`), one transaction per event, in seq order.
 */
export async function recordEvents(
  sql: Sql,
  platformId: string,
  escrowId: string,
  seqs: number[],
): Promise<void> {
  for (const seq of seqs) {
    const type = `escrow.${TYPES[(seq - 1) % TYPES.length]}`;
    const payload = {
      id: `evt_${escrowId}_${seq}`,
      type,
      createdAt: new Date().toISOString(),
      data: { escrowId, reference: `order-${escrowId}`, seq, status: 'funded', details: {} },
    };
    await sql.begin(
      (tx) => tx`
        insert into webhook_outbox (platform_id, escrow_id, seq, event_type, payload)
        values (${platformId}, ${escrowId}, ${seq}, ${type}, ${tx.json(payload)})`,
    );
  }
}

export const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Fast settings for tests: millisecond retries, quick polls. */
export function testDispatcher(sql: Sql, options: Partial<DispatcherOptions> = {}) {
  return startWebhookDispatcher({
    sql,
    logger: quietLogger,
    retrySchedule: Array.from({ length: 40 }, () => 50),
    timeoutMs: 2_000,
    pollIntervalMs: 20,
    concurrency: 8,
    ...options,
  });
}

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  escrow_id: string;
  seq: number;
  status: string;
  attempts: number;
}

export const deliveriesOf = (sql: Sql, endpointId: string) =>
  sql<DeliveryRow[]>`
    select id, endpoint_id, escrow_id, seq, status, attempts
      from webhook_deliveries where endpoint_id = ${endpointId} order by escrow_id, seq`;
