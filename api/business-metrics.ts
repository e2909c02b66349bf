import { Gauge, type Registry } from 'prom-client';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';

interface Snapshot {
  escrows: { status: string; n: number }[];
  held: { currency: string; amount: string }[];
  backlog: number;
  oldestSeconds: number;
  mismatches: number;
  payoutsFailed: number;
}

/** Scrapes arriving together (several Prometheus replicas, retries) share one query. */
const REUSE_MS = 1_000;

/**
 * What the business looks like now, read from Postgres when Prometheus scrapes (each gauge's
 * `collect`), in one round trip under a 2 s statement timeout. Every API replica reports the
 * same values: dashboards take `max()` over instances. A failed read sets
 * `escrow_business_metrics_up` to 0 and keeps the last values, instead of failing the scrape.
 */
export function registerBusinessMetrics(registry: Registry, sql: Sql, logger: Logger): void {
  let last: { at: number; snapshot: Promise<Snapshot | undefined> } | undefined;
  const read = (): Promise<Snapshot | undefined> => {
    if (last && performance.now() - last.at < REUSE_MS) return last.snapshot;
    const snapshot = query(sql).catch((error: unknown) => {
      logger.warn({ err: error }, 'business metrics: query failed');
      return undefined;
    });
    last = { at: performance.now(), snapshot };
    return snapshot;
  };

  new Gauge({
    name: 'escrow_business_metrics_up',
    help: '1 when the business gauges were read from Postgres at this scrape, else 0 (values are stale).',
    registers: [registry],
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'escrow_escrows',
    help: 'Escrows by current status (the read model).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const s = await read();
      if (!s) return;
      this.reset();
      for (const { status, n } of s.escrows) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'escrow_money_held_minor',
    help: 'Money held in escrow (sum of escrow holding accounts), per currency, in minor units.',
    labelNames: ['currency'] as const,
    registers: [registry],
    async collect() {
      const s = await read();
      if (!s) return;
      this.reset();
      for (const { currency, amount } of s.held) this.set({ currency }, Number(amount));
    },
  });
  new Gauge({
    name: 'escrow_webhook_backlog',
    help: 'Webhook deliveries not yet delivered (pending or being delivered).',
    registers: [registry],
    async collect() {
      const s = await read();
      if (s) this.set(s.backlog);
    },
  });
  new Gauge({
    name: 'escrow_webhook_oldest_undelivered_age_seconds',
    help: 'Age of the oldest webhook not yet delivered (a delivery or an outbox row not fanned out); 0 when none.',
    registers: [registry],
    async collect() {
      const s = await read();
      if (s) this.set(s.oldestSeconds);
    },
  });
  new Gauge({
    name: 'escrow_reconciliation_mismatches_unhandled',
    help: 'Reconciliation mismatches reported and not handled yet.',
    registers: [registry],
    async collect() {
      const s = await read();
      if (s) this.set(s.mismatches);
    },
  });
  new Gauge({
    name: 'escrow_payouts_failed',
    help: 'Escrows whose payout failed and has not been retried successfully.',
    registers: [registry],
    async collect() {
      const s = await read();
      if (s) this.set(s.payoutsFailed);
    },
  });
}

async function query(sql: Sql): Promise<Snapshot> {
  return sql.begin(async (tx) => {
    await tx`set local statement_timeout = '2s'`;
    const [row] = await tx<Snapshot[]>`
      select
        (select coalesce(json_agg(json_build_object('status', status, 'n', n)), '[]'::json)
           from (select status, count(*)::int as n from escrows group by status) as s) as escrows,
        (select coalesce(json_agg(json_build_object('currency', currency, 'amount', amount::text)), '[]'::json)
           from (select currency, sum(balance) as amount from ledger_accounts
                  where kind = 'escrow_holding' group by currency) as h) as held,
        (select count(*)::int from webhook_deliveries
          where status in ('pending', 'delivering')) as backlog,
        coalesce(extract(epoch from now() - least(
          (select min(created_at) from webhook_deliveries where status in ('pending', 'delivering')),
          (select min(created_at) from webhook_outbox where fanned_out_at is null)
        ))::float8, 0) as "oldestSeconds",
        (select count(*)::int from reconciliation_mismatches where handled_at is null) as mismatches,
        (select count(*)::int from escrows
          where view -> 'payout' ->> 'status' = 'failed') as "payoutsFailed"`;
    if (!row) throw new Error('business metrics: no row');
    return row;
  });
}
