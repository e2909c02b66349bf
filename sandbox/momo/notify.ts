import { resultCode } from '../../psp/momo/protocol.js';
import type { SandboxContext } from '../context.js';
import type { IpnAttempt, MomoIpnDelivery, SandboxMomoPayment } from '../store.js';
import type { MomoCredentials } from './credentials.js';
import { resultBody } from './results.js';

const newDelivery = (
  kind: MomoIpnDelivery['kind'],
  body: Record<string, string | number>,
): MomoIpnDelivery => ({ kind, body, attempts: [], acknowledged: false, gaveUp: false });

/**
 * Sends the IPN of a decided order in the background with the armed ipn faults, as VNPay's
 * side does: none (drop), later (delay), twice (duplicate_callback), or followed by an older,
 * failed result (out_of_order_callback: 1006, dated at the order's creation).
 */
export function notifyMomoMerchant(
  context: SandboxContext,
  credentials: MomoCredentials,
  payment: SandboxMomoPayment,
): void {
  const { faults } = context;
  if (faults.take('ipn', ['drop'])) {
    context.log.info({ orderId: payment.orderId }, 'MoMo IPN dropped');
    return;
  }
  const delay = faults.take('ipn', ['delay']);
  const duplicate = faults.take('ipn', ['duplicate_callback']);
  const outOfOrder = faults.take('ipn', ['out_of_order_callback']);
  const original = newDelivery('original', resultBody(credentials, payment));
  const stale = resultBody(credentials, payment, {
    resultCode: resultCode.userDeclined,
    responseTime: Date.parse(payment.createdAt),
  });
  const deliveries = [
    original,
    ...(duplicate ? [newDelivery('duplicate', original.body)] : []),
    ...(outOfOrder ? [newDelivery('stale', stale)] : []),
  ];
  payment.ipn.push(...deliveries);
  context.store.changed();
  runDeliveries(context, payment, deliveries, delay?.delayMs ?? 0);
}

/** After a restart from the data file: finishes the deliveries the last run left open. */
export function resumeMomoNotifications(context: SandboxContext): void {
  for (const payment of context.store.momoPayments.values()) {
    const open = payment.ipn.filter((delivery) => !delivery.acknowledged && !delivery.gaveUp);
    if (open.length > 0) runDeliveries(context, payment, open, 0);
  }
}

function runDeliveries(
  context: SandboxContext,
  payment: SandboxMomoPayment,
  deliveries: MomoIpnDelivery[],
  delayMs: number,
): void {
  const { background } = context;
  background.run(
    async () => {
      if (delayMs > 0 && !(await background.sleep(delayMs))) return;
      for (const delivery of deliveries) await deliver(context, payment, delivery);
    },
    (error) => context.log.error({ err: error, orderId: payment.orderId }, 'MoMo IPN failed'),
  );
}

/**
 * POSTs the signed JSON to the order's ipnUrl until it answers 204, with the sandbox's retry
 * policy; attempts already recorded count, so a restarted sandbox resumes where it was.
 */
async function deliver(
  context: SandboxContext,
  payment: SandboxMomoPayment,
  delivery: MomoIpnDelivery,
): Promise<void> {
  const { ipnPolicy: policy, background } = context;
  while (!delivery.acknowledged && delivery.attempts.length < policy.attempts) {
    if (delivery.attempts.length > 0) {
      const wait = Math.min(
        policy.initialDelayMs * 2 ** (delivery.attempts.length - 1),
        policy.maxDelayMs,
      );
      if (!(await background.sleep(wait))) return;
    }
    if (background.stopped) return;
    const attempt = await attemptOnce(
      payment.ipnUrl,
      delivery.body,
      policy.timeoutMs,
      background.signal,
    );
    if (background.stopped) return;
    delivery.attempts.push(attempt);
    delivery.acknowledged = attempt.httpStatus === 204;
    context.store.changed();
    context.log.info(
      {
        orderId: payment.orderId,
        kind: delivery.kind,
        attempt: delivery.attempts.length,
        ...attempt,
      },
      delivery.acknowledged ? 'MoMo IPN acknowledged' : 'MoMo IPN not acknowledged',
    );
  }
  if (!delivery.acknowledged && !background.stopped) {
    delivery.gaveUp = true;
    context.store.changed();
    context.log.warn({ orderId: payment.orderId, kind: delivery.kind }, 'MoMo IPN: giving up');
  }
}

async function attemptOnce(
  url: string,
  body: Record<string, string | number>,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<IpnAttempt> {
  const at = new Date().toISOString();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]),
    });
    await response.arrayBuffer();
    return { at, httpStatus: response.status };
  } catch (error) {
    return { at, error: error instanceof Error ? error.message : String(error) };
  }
}
