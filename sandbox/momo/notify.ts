import { resultCode } from '../../psp/momo/protocol.js';
import {
  type CallbackChannel,
  postJson,
  sendInBackground,
  takeCallbackFaults,
} from '../callback-delivery.js';
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
  const faults = takeCallbackFaults(context);
  if (faults.dropped) {
    context.log.info({ orderId: payment.orderId }, 'MoMo IPN dropped');
    return;
  }
  const original = newDelivery('original', resultBody(credentials, payment));
  const stale = resultBody(credentials, payment, {
    resultCode: resultCode.userDeclined,
    responseTime: Date.parse(payment.createdAt),
  });
  const deliveries = [
    original,
    ...(faults.duplicate ? [newDelivery('duplicate', original.body)] : []),
    ...(faults.outOfOrder ? [newDelivery('stale', stale)] : []),
  ];
  payment.ipn.push(...deliveries);
  context.store.changed();
  sendInBackground(context, deliveries, faults.delayMs, channelOf(payment));
}

/** After a restart from the data file: finishes the deliveries the last run left open. */
export function resumeMomoNotifications(context: SandboxContext): void {
  for (const payment of context.store.momoPayments.values()) {
    const open = payment.ipn.filter((delivery) => !delivery.acknowledged && !delivery.gaveUp);
    if (open.length > 0) sendInBackground(context, open, 0, channelOf(payment));
  }
}

/** POSTed to the order's ipnUrl until it answers 204, as MoMo requires. */
const channelOf = (
  payment: SandboxMomoPayment,
): CallbackChannel<IpnAttempt, MomoIpnDelivery['body']> => ({
  rail: 'MoMo',
  order: { orderId: payment.orderId },
  send: async (body, timeoutMs, stop) => {
    const { text: _text, ...attempt } = await postJson(
      payment.ipnUrl,
      JSON.stringify(body),
      timeoutMs,
      stop,
    );
    return attempt;
  },
  acknowledges: (attempt) => attempt.httpStatus === 204,
});
