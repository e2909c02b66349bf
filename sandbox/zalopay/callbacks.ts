import { callbackAck } from '../../psp/zalopay/protocol.js';
import { callbackMac } from '../../psp/zalopay/signing.js';
import {
  type CallbackChannel,
  postJson,
  sendInBackground,
  takeCallbackFaults,
} from '../callback-delivery.js';
import type { SandboxContext } from '../context.js';
import type {
  SandboxZalopayOrder,
  ZalopayCallbackAttempt,
  ZalopayCallbackDelivery,
} from '../store.js';
import type { ZalopayApp } from './app.js';

/** ZaloPay calls back once, then 3 more times at most while the merchant does not answer 1 or 2. */
const maxAttempts = 4;
/** The sandbox's payment channel: 38 is ZaloPay's own wallet in its samples. */
const walletChannel = 38;

/** The callback's signed JSON body; `serverTime` lets a stale copy carry an earlier time. */
export function callbackBody(app: ZalopayApp, order: SandboxZalopayOrder, serverTime: number) {
  const data = JSON.stringify({
    app_id: Number(app.appId),
    app_trans_id: order.appTransId,
    app_time: order.appTime,
    app_user: order.appUser,
    amount: Number(order.amount),
    embed_data: order.embedData,
    item: order.item,
    zp_trans_id: Number(order.zpTransId),
    server_time: serverTime,
    channel: walletChannel,
    merchant_user_id: 'sandbox-buyer',
    user_fee_amount: 0,
    discount_amount: 0,
  });
  return JSON.stringify({ data, mac: callbackMac(app.key2, data), type: 1 });
}

const newDelivery = (kind: ZalopayCallbackDelivery['kind'], body: string) => ({
  kind,
  body,
  attempts: [],
  acknowledged: false,
  gaveUp: false,
});

/**
 * Calls the merchant back for a paid order, in the background, with the armed ipn faults: none
 * at all (drop: the order is paid and /v2/query shows it), a delay first, the same callback
 * again, or an earlier copy (server_time a minute before) after it.
 */
export function notifyPaid(context: SandboxContext, app: ZalopayApp, order: SandboxZalopayOrder) {
  const faults = takeCallbackFaults(context);
  if (faults.dropped) {
    context.log.info({ appTransId: order.appTransId }, 'ZaloPay callback dropped');
    return;
  }
  const serverTime = order.serverTime ?? 0;
  const original = newDelivery('original', callbackBody(app, order, serverTime));
  const deliveries: ZalopayCallbackDelivery[] = [
    original,
    ...(faults.duplicate ? [newDelivery('duplicate', original.body)] : []),
    ...(faults.outOfOrder
      ? [newDelivery('stale', callbackBody(app, order, serverTime - 60_000))]
      : []),
  ];
  order.callbacks.push(...deliveries);
  context.store.changed();
  sendInBackground(context, deliveries, faults.delayMs, channelOf(order));
}

/** After a restart from the data file: finishes the callbacks the last run left open. */
export function resumeZalopayCallbacks(context: SandboxContext): void {
  for (const order of context.store.zalopayOrders.values()) {
    const open = order.callbacks.filter((d) => !d.acknowledged && !d.gaveUp);
    if (open.length > 0) sendInBackground(context, open, 0, channelOf(order));
  }
}

/** POSTed to the order's callback URL until it answers return_code 1 (done) or 2 (seen). */
const channelOf = (
  order: SandboxZalopayOrder,
): CallbackChannel<ZalopayCallbackAttempt, string> => ({
  rail: 'ZaloPay',
  order: { appTransId: order.appTransId },
  maxAttempts,
  send: async (body, timeoutMs, stop) => {
    const { text, ...attempt } = await postJson(order.callbackUrl, body, timeoutMs, stop);
    const code = text === undefined ? undefined : returnCodeOf(text);
    return { ...attempt, ...(code === undefined ? {} : { returnCode: code }) };
  },
  acknowledges: (attempt) =>
    attempt.httpStatus === 200 &&
    (attempt.returnCode === callbackAck.confirmed ||
      attempt.returnCode === callbackAck.alreadyProcessed),
});

function returnCodeOf(text: string): number | undefined {
  try {
    const code = (JSON.parse(text) as { return_code?: unknown } | null)?.return_code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}
