import { callbackAck } from '../../psp/zalopay/protocol.js';
import { callbackMac } from '../../psp/zalopay/signing.js';
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
  const { faults } = context;
  if (faults.take('ipn', ['drop'])) {
    context.log.info({ appTransId: order.appTransId }, 'ZaloPay callback dropped');
    return;
  }
  const delay = faults.take('ipn', ['delay']);
  const duplicate = faults.take('ipn', ['duplicate_callback']);
  const outOfOrder = faults.take('ipn', ['out_of_order_callback']);
  const serverTime = order.serverTime ?? 0;
  const original = newDelivery('original', callbackBody(app, order, serverTime));
  const deliveries: ZalopayCallbackDelivery[] = [
    original,
    ...(duplicate ? [newDelivery('duplicate', original.body)] : []),
    ...(outOfOrder ? [newDelivery('stale', callbackBody(app, order, serverTime - 60_000))] : []),
  ];
  order.callbacks.push(...deliveries);
  context.store.changed();
  run(context, order, deliveries, delay?.delayMs ?? 0);
}

/** After a restart from the data file: finishes the callbacks the last run left open. */
export function resumeZalopayCallbacks(context: SandboxContext): void {
  for (const order of context.store.zalopayOrders.values()) {
    const open = order.callbacks.filter((d) => !d.acknowledged && !d.gaveUp);
    if (open.length > 0) run(context, order, open, 0);
  }
}

function run(
  context: SandboxContext,
  order: SandboxZalopayOrder,
  deliveries: ZalopayCallbackDelivery[],
  delayMs: number,
): void {
  const { background } = context;
  background.run(
    async () => {
      if (delayMs > 0 && !(await background.sleep(delayMs))) return;
      for (const delivery of deliveries) await deliver(context, order, delivery);
    },
    (error) =>
      context.log.error({ err: error, appTransId: order.appTransId }, 'callback delivery failed'),
  );
}

async function deliver(
  context: SandboxContext,
  order: SandboxZalopayOrder,
  delivery: ZalopayCallbackDelivery,
): Promise<void> {
  const { background, ipnPolicy: policy } = context;
  const attempts = Math.min(policy.attempts, maxAttempts);
  while (!delivery.acknowledged && delivery.attempts.length < attempts) {
    if (delivery.attempts.length > 0) {
      const wait = Math.min(
        policy.initialDelayMs * 2 ** (delivery.attempts.length - 1),
        policy.maxDelayMs,
      );
      if (!(await background.sleep(wait))) return;
    }
    if (background.stopped) return;
    const attempt = await attemptOnce(order.callbackUrl, delivery.body, policy.timeoutMs, context);
    if (background.stopped) return;
    delivery.attempts.push(attempt);
    delivery.acknowledged =
      attempt.httpStatus === 200 &&
      (attempt.returnCode === callbackAck.confirmed ||
        attempt.returnCode === callbackAck.alreadyProcessed);
    context.store.changed();
    context.log.info(
      { appTransId: order.appTransId, kind: delivery.kind, ...attempt },
      delivery.acknowledged ? 'ZaloPay callback acknowledged' : 'ZaloPay callback not acknowledged',
    );
  }
  if (!delivery.acknowledged && !background.stopped) {
    delivery.gaveUp = true;
    context.store.changed();
  }
}

async function attemptOnce(
  url: string,
  body: string,
  timeoutMs: number,
  context: SandboxContext,
): Promise<ZalopayCallbackAttempt> {
  const at = new Date().toISOString();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      signal: AbortSignal.any([context.background.signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await response.text();
    const code = returnCodeOf(text);
    return { at, httpStatus: response.status, ...(code === undefined ? {} : { returnCode: code }) };
  } catch (error) {
    return { at, error: error instanceof Error ? error.message : String(error) };
  }
}

function returnCodeOf(text: string): number | undefined {
  try {
    const code = (JSON.parse(text) as { return_code?: unknown } | null)?.return_code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}
