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
  const { faults } = context;
  if (faults.take('ipn', ['drop'])) {
    context.log.info({ orderCode: link.orderCode }, 'payOS webhook dropped');
    return;
  }
  const delay = faults.take('ipn', ['delay']);
  const duplicate = faults.take('ipn', ['duplicate_callback']);
  const outOfOrder = faults.take('ipn', ['out_of_order_callback']);
  const original = newDelivery('original', webhookBody(channel.checksumKey, link, false));
  const deliveries = [
    original,
    ...(duplicate ? [newDelivery('duplicate', original.body)] : []),
    ...(outOfOrder ? [newDelivery('stale', webhookBody(channel.checksumKey, link, true))] : []),
  ];
  link.webhooks.push(...deliveries);
  context.store.changed();
  runDeliveries(context, link, deliveries, delay?.delayMs ?? 0);
}

/** After a restart from the data file: finishes the webhooks the last run left open. */
export function resumePayosWebhooks(context: SandboxContext): void {
  for (const link of context.store.payosPayments.values()) {
    const open = link.webhooks.filter((d) => !d.acknowledged && !d.gaveUp);
    if (open.length > 0) runDeliveries(context, link, open, 0);
  }
}

function runDeliveries(
  context: SandboxContext,
  link: SandboxPayosPayment,
  deliveries: PayosWebhookDelivery[],
  delayMs: number,
): void {
  const { background } = context;
  background.run(
    async () => {
      if (delayMs > 0 && !(await background.sleep(delayMs))) return;
      for (const delivery of deliveries) await deliver(context, link, delivery);
    },
    (error) => context.log.error({ err: error, orderCode: link.orderCode }, 'webhook failed'),
  );
}

/**
 * POSTs one webhook until the merchant answers 2xx (payOS reads nothing else), with the IPN
 * retry policy's backoff and attempt cap; attempts already recorded count after a restart.
 */
async function deliver(
  context: SandboxContext,
  link: SandboxPayosPayment,
  delivery: PayosWebhookDelivery,
): Promise<void> {
  const { background, ipnPolicy: policy } = context;
  const url = context.payosPayment?.webhookUrl;
  if (!url) return;
  while (!delivery.acknowledged && delivery.attempts.length < policy.attempts) {
    const failures = delivery.attempts.length;
    if (failures > 0) {
      const wait = Math.min(policy.initialDelayMs * 2 ** (failures - 1), policy.maxDelayMs);
      if (!(await background.sleep(wait))) return;
    }
    if (background.stopped) return;
    const attempt = await post(url, delivery.body, policy.timeoutMs, background.signal);
    if (background.stopped) return;
    delivery.attempts.push(attempt);
    delivery.acknowledged =
      attempt.httpStatus !== undefined && attempt.httpStatus >= 200 && attempt.httpStatus < 300;
    context.store.changed();
    context.log.info(
      {
        orderCode: link.orderCode,
        kind: delivery.kind,
        attempt: delivery.attempts.length,
        ...attempt,
      },
      delivery.acknowledged ? 'payOS webhook acknowledged' : 'payOS webhook not acknowledged',
    );
  }
  if (!delivery.acknowledged && !background.stopped) {
    delivery.gaveUp = true;
    context.store.changed();
    context.log.warn(
      { orderCode: link.orderCode, kind: delivery.kind },
      'payOS webhook: giving up',
    );
  }
}

async function post(
  url: string,
  body: Record<string, unknown>,
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
