import type { Config } from '../infra/config.js';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { fanOut } from './fanout.js';
import { type ClaimedDelivery, claimDue, giveUpOrphans, recordAttempt } from './queue.js';
import { DEFAULT_RETRY_SCHEDULE, totalRetryWindowMs } from './schedule.js';
import { sendWebhook } from './send.js';
import type { UrlPolicy } from './url-guard.js';

export interface DispatcherOptions {
  sql: Sql;
  logger: Logger;
  /** Delay before each retry, in ms; given up after the last. */
  retrySchedule?: readonly number[];
  /** Per request, connection to last byte of the excerpt. */
  timeoutMs?: number;
  /** How often to look for due work when there was none. */
  pollIntervalMs?: number;
  /** Requests in flight at once, from this dispatcher. */
  concurrency?: number;
  /** Requests in flight at once to one endpoint (soft: per claim, across dispatchers). */
  perEndpointConcurrency?: number;
  /** How long a claim holds before another dispatcher may take the delivery over. */
  leaseMs?: number;
  /** Which addresses deliveries may connect to (production: `strict`); default `standard`. */
  urlPolicy?: UrlPolicy;
  fetch?: typeof fetch;
}

export interface WebhookDispatcher {
  /** Look for work now instead of at the next poll. */
  wake(): void;
  /** Claims nothing more, lets requests in flight finish and record their result. */
  stop(): Promise<void>;
}

/** The dispatcher settings from the environment (see infra/config.ts). */
export const dispatcherSettings = (config: Config) => ({
  retrySchedule: config.WEBHOOK_RETRY_SCHEDULE,
  timeoutMs: config.WEBHOOK_TIMEOUT_MS,
  pollIntervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
  concurrency: config.WEBHOOK_CONCURRENCY,
  perEndpointConcurrency: config.WEBHOOK_ENDPOINT_CONCURRENCY,
  urlPolicy: (config.NODE_ENV === 'production' ? 'strict' : 'standard') as UrlPolicy,
});

const ERROR_PAUSE_MS = 1_000;
const SWEEP_EVERY_MS = 30_000;

/**
 * Delivers the webhook outbox: fans new events out to endpoints, claims due deliveries, sends
 * them signed, and records every attempt. All state is in Postgres, so any number of
 * dispatchers may run (in any processes) and any of them may stop at any time.
 */
export function startWebhookDispatcher(options: DispatcherOptions): WebhookDispatcher {
  const {
    sql,
    retrySchedule = DEFAULT_RETRY_SCHEDULE,
    timeoutMs = 15_000,
    pollIntervalMs = 500,
    concurrency = 16,
    perEndpointConcurrency = 4,
    urlPolicy = 'standard',
    fetch: fetchImpl,
  } = options;
  const leaseMs = options.leaseMs ?? timeoutMs + 5_000;
  const log = options.logger.child({ component: 'webhooks' });
  if (totalRetryWindowMs(retrySchedule) < 86_400_000) {
    log.warn({ retrySchedule }, 'webhook retries span less than 24 hours');
  }

  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let wakeUp: (() => void) | undefined;

  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      wakeUp = done;
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
    });
  const wake = () => wakeUp?.();

  async function deliver(delivery: ClaimedDelivery): Promise<void> {
    const result = await sendWebhook({
      url: delivery.url,
      secret: delivery.previousSecret
        ? [delivery.secret, delivery.previousSecret]
        : delivery.secret,
      id: delivery.payload.id,
      body: JSON.stringify(delivery.payload),
      timeoutMs,
      urlPolicy,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
    const context = {
      deliveryId: delivery.id,
      endpointId: delivery.endpointId,
      escrowId: delivery.escrowId,
      seq: delivery.seq,
      attempt: delivery.attempt,
      statusCode: result.statusCode,
      error: result.error,
    };
    try {
      const outcome = await recordAttempt(sql, delivery, result, retrySchedule);
      if (outcome === 'succeeded') log.debug(context, 'webhook delivered');
      else if (outcome === 'retrying') log.info(context, 'webhook attempt failed; will retry');
      else if (outcome === 'superseded')
        log.warn(context, 'webhook result after the claim expired');
      else log.warn({ ...context, outcome }, 'webhook delivery given up');
    } catch (error) {
      // The claim expires and another attempt follows: at least once, never lost.
      log.error({ ...context, err: error }, 'could not record a webhook attempt');
    }
  }

  function track(delivery: ClaimedDelivery) {
    const running: Promise<void> = deliver(delivery).finally(() => {
      inFlight.delete(running);
      wake();
    });
    inFlight.add(running);
  }

  async function loop(): Promise<void> {
    let lastSweep = 0;
    while (!stopping) {
      let pause = pollIntervalMs;
      try {
        if (Date.now() - lastSweep >= SWEEP_EVERY_MS) {
          lastSweep = Date.now();
          const given = await giveUpOrphans(sql);
          if (given > 0)
            log.info({ deliveries: given }, 'gave up deliveries of disabled endpoints');
        }
        await fanOut(sql);
        const free = concurrency - inFlight.size;
        if (free > 0) {
          const claimed = await claimDue(sql, {
            limit: free,
            leaseMs,
            perEndpoint: perEndpointConcurrency,
          });
          for (const delivery of claimed) track(delivery);
          // A full batch: more may be due right away.
          if (claimed.length === free) pause = 0;
        }
      } catch (error) {
        if (stopping) break;
        log.error({ err: error }, 'webhook dispatch failed; trying again shortly');
        pause = Math.max(pollIntervalMs, ERROR_PAUSE_MS);
      }
      if (!stopping && pause > 0) await nap(pause);
    }
  }

  const running = loop();
  log.info({ concurrency, timeoutMs, retrySchedule }, 'webhook dispatcher started');

  return {
    wake,
    stop: async () => {
      stopping = true;
      wake();
      await running;
      await Promise.allSettled([...inFlight]);
      log.info('webhook dispatcher stopped');
    },
  };
}
