import type { SandboxContext } from './context.js';

/** One callback the sandbox sends a merchant, with each try's answer; kept in the store. */
export interface Delivery<Attempt extends { at: string }, Body> {
  /** original: the outcome; duplicate: the same again; stale: an older, failed one after it. */
  kind: 'original' | 'duplicate' | 'stale';
  /** The signed callback as the rail sends it. */
  body: Body;
  attempts: Attempt[];
  acknowledged: boolean;
  gaveUp: boolean;
}

/** How one rail's callbacks for one order go out, and what its merchant must answer. */
export interface CallbackChannel<Attempt extends { at: string }, Body> {
  /** For the log lines: the rail's name and the order's id fields. */
  rail: string;
  order: Record<string, unknown>;
  /** The rail's own cap, below the sandbox's retry policy. */
  maxAttempts?: number;
  send(body: Body, timeoutMs: number, stop: AbortSignal): Promise<Attempt>;
  acknowledges(attempt: Attempt): boolean;
}

/** The armed ipn faults one callback takes: dropped, delayed, sent twice, or followed by a stale one. */
export function takeCallbackFaults(context: SandboxContext) {
  const { faults } = context;
  if (faults.take('ipn', ['drop'])) return { dropped: true as const };
  return {
    dropped: false as const,
    delayMs: faults.take('ipn', ['delay'])?.delayMs ?? 0,
    duplicate: faults.take('ipn', ['duplicate_callback']) !== undefined,
    outOfOrder: faults.take('ipn', ['out_of_order_callback']) !== undefined,
  };
}

/**
 * Sends the deliveries in order, in the background, each until the merchant acknowledges it,
 * with the sandbox's retry policy (exponential backoff, an attempt cap). Attempts already
 * recorded count, so a sandbox restarted from its data file resumes where it was.
 */
export function sendInBackground<Attempt extends { at: string }, Body>(
  context: SandboxContext,
  deliveries: Delivery<Attempt, Body>[],
  delayMs: number,
  channel: CallbackChannel<Attempt, Body>,
): void {
  const { background } = context;
  background.run(
    async () => {
      if (delayMs > 0 && !(await background.sleep(delayMs))) return;
      for (const delivery of deliveries) await deliver(context, delivery, channel);
    },
    (error) =>
      context.log.error({ err: error, ...channel.order }, `${channel.rail} callback failed`),
  );
}

async function deliver<Attempt extends { at: string }, Body>(
  context: SandboxContext,
  delivery: Delivery<Attempt, Body>,
  channel: CallbackChannel<Attempt, Body>,
): Promise<void> {
  const { background, ipnPolicy: policy } = context;
  const cap = Math.min(policy.attempts, channel.maxAttempts ?? policy.attempts);
  while (!delivery.acknowledged && delivery.attempts.length < cap) {
    const failures = delivery.attempts.length;
    if (failures > 0) {
      const wait = Math.min(policy.initialDelayMs * 2 ** (failures - 1), policy.maxDelayMs);
      if (!(await background.sleep(wait))) return;
    }
    if (background.stopped) return;
    const attempt = await channel.send(delivery.body, policy.timeoutMs, background.signal);
    if (background.stopped) return;
    delivery.attempts.push(attempt);
    delivery.acknowledged = channel.acknowledges(attempt);
    context.store.changed();
    const fields: Record<string, unknown> = {
      ...channel.order,
      kind: delivery.kind,
      attempt: delivery.attempts.length,
      ...attempt,
    };
    context.log.info(
      fields,
      `${channel.rail} callback ${delivery.acknowledged ? 'acknowledged' : 'not acknowledged'}`,
    );
  }
  if (!delivery.acknowledged && !background.stopped) {
    delivery.gaveUp = true;
    context.store.changed();
    context.log.warn(
      { ...channel.order, kind: delivery.kind },
      `${channel.rail} callback: giving up`,
    );
  }
}

/** One JSON POST: the answer's status and text, or why there was none. */
export async function postJson(
  url: string,
  body: string,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<{ at: string; httpStatus?: number; text?: string; error?: string }> {
  const at = new Date().toISOString();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      signal: AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]),
    });
    return { at, httpStatus: response.status, text: await response.text() };
  } catch (error) {
    return { at, error: error instanceof Error ? error.message : String(error) };
  }
}
