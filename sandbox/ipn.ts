import type { Logger } from '../infra/logger.js';
import { ipnFinalRspCodes } from '../psp/vnpay/protocol.js';
import { signedQueryString } from '../psp/vnpay/signing.js';
import type { Background } from './background.js';
import type { IpnAttempt, IpnDelivery } from './store.js';

export interface IpnRetryPolicy {
  /** Attempts per delivery, the first included. */
  attempts: number;
  /** Wait after the first failed attempt; doubles after each one, up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** How long one attempt waits for the merchant's answer. */
  timeoutMs: number;
}

export const defaultIpnRetryPolicy: IpnRetryPolicy = {
  attempts: 10,
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  timeoutMs: 10_000,
};

export interface IpnContext {
  ipnUrl: string;
  hashSecret: string;
  policy: IpnRetryPolicy;
  background: Background;
  log: Logger;
  /** After each attempt, so the records (and the data file) show it. */
  onAttempt: () => void;
}

/**
 * Delivers one IPN like VNPay does: a signed GET to the merchant's IPN URL, repeated with
 * backoff until it answers JSON with RspCode 00 or 02, for at most policy.attempts attempts in
 * all (attempts already recorded count, so a restarted sandbox resumes where it was).
 */
export async function deliverIpn(delivery: IpnDelivery, context: IpnContext): Promise<void> {
  const { policy, background } = context;
  const url = `${context.ipnUrl}${context.ipnUrl.includes('?') ? '&' : '?'}${signedQueryString(delivery.params, context.hashSecret)}`;
  const txnRef = delivery.params.vnp_TxnRef;
  while (!delivery.acknowledged && delivery.attempts.length < policy.attempts) {
    if (delivery.attempts.length > 0) {
      const failures = delivery.attempts.length;
      const wait = Math.min(policy.initialDelayMs * 2 ** (failures - 1), policy.maxDelayMs);
      if (!(await background.sleep(wait))) return;
    }
    if (background.stopped) return;
    const attempt = await attemptOnce(url, policy.timeoutMs, background.signal);
    // Cut short by stop(): not the merchant's failure, and a restart resumes the delivery.
    if (background.stopped) return;
    delivery.attempts.push(attempt);
    delivery.acknowledged = isAcknowledgement(attempt);
    context.onAttempt();
    context.log.info(
      { txnRef, kind: delivery.kind, attempt: delivery.attempts.length, ...attempt },
      delivery.acknowledged ? 'IPN acknowledged' : 'IPN not acknowledged',
    );
  }
  if (!delivery.acknowledged && !background.stopped) {
    delivery.gaveUp = true;
    context.onAttempt();
    context.log.warn({ txnRef, kind: delivery.kind }, 'IPN never acknowledged: giving up');
  }
}

async function attemptOnce(url: string, timeoutMs: number, stop: AbortSignal): Promise<IpnAttempt> {
  const at = new Date().toISOString();
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await response.text();
    const rspCode = rspCodeOf(text);
    return { at, httpStatus: response.status, ...(rspCode ? { rspCode } : {}) };
  } catch (error) {
    return { at, error: error instanceof Error ? error.message : String(error) };
  }
}

const isAcknowledgement = ({ httpStatus, rspCode }: IpnAttempt): boolean =>
  httpStatus !== undefined &&
  httpStatus >= 200 &&
  httpStatus < 300 &&
  rspCode !== undefined &&
  ipnFinalRspCodes.has(rspCode);

/** The merchant's RspCode, when it answered a JSON object with one. */
function rspCodeOf(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const code = (body as { RspCode?: unknown } | null)?.RspCode;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
