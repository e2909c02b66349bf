import {
  type CallbackChannel,
  postJson,
  sendInBackground,
  takeCallbackFaults,
} from '../callback-delivery.js';
import type { SandboxContext } from '../context.js';
import type { IpnAttempt, PayosWebhookDelivery, SandboxPayosPayment } from '../store.js';
import { bodyText, hmacHex } from './body-signing.js';
import { webhookData } from './payment-links.js';

/** The webhook body payOS POSTs (§2.6): only `data` is signed. */
function webhookBody(checksumKey: string, link: SandboxPayosPayment, stale: boolean) {
  const data = { ...webhookData(link, stale) };
  return {
    code: '00',
    desc: 'success',
    success: true,
    data,
    signature: hmacHex(checksumKey, bodyText(data)),
  };
}

const newDelivery = (
  kind: PayosWebhookDelivery['kind'],
  body: Record<string, unknown>,
): PayosWebhookDelivery => ({ kind, body, attempts: [], acknowledged: false, gaveUp: false });

/**
 * Tells the merchant a link was paid, with the armed ipn faults: no webhook (drop), a delay
 * before it, the same one again (duplicate), or an older failed transfer after it (stale).
 */
export function notifyPayment(context: SandboxContext, link: SandboxPayosPayment): void {
  const channel = context.payosPayment;
  if (!channel) return;
  const faults = takeCallbackFaults(context);
  if (faults.dropped) {
    context.log.info({ orderCode: link.orderCode }, 'payOS webhook dropped');
    return;
  }
  const original = newDelivery('original', webhookBody(channel.checksumKey, link, false));
  const deliveries = [
    original,
    ...(faults.duplicate ? [newDelivery('duplicate', original.body)] : []),
    ...(faults.outOfOrder
      ? [newDelivery('stale', webhookBody(channel.checksumKey, link, true))]
      : []),
  ];
  link.webhooks.push(...deliveries);
  context.store.changed();
  sendInBackground(context, deliveries, faults.delayMs, channelOf(context, link));
}

/** After a restart from the data file: finishes the webhooks the last run left open. */
export function resumePayosWebhooks(context: SandboxContext): void {
  for (const link of context.store.payosPayments.values()) {
    const open = link.webhooks.filter((d) => !d.acknowledged && !d.gaveUp);
    if (open.length > 0) sendInBackground(context, open, 0, channelOf(context, link));
  }
}

/** POSTed to the registered webhook URL until it answers 2xx: payOS reads nothing else. */
const channelOf = (
  context: SandboxContext,
  link: SandboxPayosPayment,
): CallbackChannel<IpnAttempt, PayosWebhookDelivery['body']> => ({
  rail: 'payOS',
  order: { orderCode: link.orderCode },
  send: async (body, timeoutMs, stop) => {
    const url = context.payosPayment?.webhookUrl ?? '';
    const { text: _text, ...attempt } = await postJson(url, JSON.stringify(body), timeoutMs, stop);
    return attempt;
  },
  acknowledges: (attempt) =>
    attempt.httpStatus !== undefined && attempt.httpStatus >= 200 && attempt.httpStatus < 300,
});
