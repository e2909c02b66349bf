import type { SandboxContext } from './context.js';
import { deliverIpn } from './ipn.js';
import { paymentResultParams, staleResultParams } from './payment-result.js';
import type { IpnDelivery, SandboxPayment } from './store.js';

const newDelivery = (kind: IpnDelivery['kind'], params: Record<string, string>): IpnDelivery => ({
  kind,
  params,
  attempts: [],
  acknowledged: false,
  gaveUp: false,
});

/**
 * Sends the IPN for a decided payment in the background, with the armed ipn faults: none at all
 * (drop: the payment stands, querydr shows it, the merchant is never told), a delay before it,
 * the same IPN again after it, or an older failed one after it.
 */
export function notifyMerchant(context: SandboxContext, payment: SandboxPayment): void {
  const { faults } = context;
  if (faults.take('ipn', ['drop'])) {
    context.log.info({ txnRef: payment.txnRef }, 'IPN dropped');
    return;
  }
  const delay = faults.take('ipn', ['delay']);
  const duplicate = faults.take('ipn', ['duplicate_callback']);
  const outOfOrder = faults.take('ipn', ['out_of_order_callback']);
  const original = newDelivery('original', paymentResultParams(context.tmnCode, payment));
  const deliveries = [
    original,
    ...(duplicate ? [newDelivery('duplicate', original.params)] : []),
    ...(outOfOrder ? [newDelivery('stale', staleResultParams(context.tmnCode, payment))] : []),
  ];
  payment.ipn.push(...deliveries);
  context.store.changed();
  runDeliveries(context, payment.txnRef, deliveries, delay?.delayMs ?? 0);
}

/** After a restart from the data file: finishes the deliveries the last run left open. */
export function resumeNotifications(context: SandboxContext): void {
  for (const payment of context.store.payments.values()) {
    const open = payment.ipn.filter((delivery) => !delivery.acknowledged && !delivery.gaveUp);
    if (open.length > 0) runDeliveries(context, payment.txnRef, open, 0);
  }
}

/** One after the other, so the order the merchant sees is the order of the list. */
function runDeliveries(
  context: SandboxContext,
  txnRef: string,
  deliveries: IpnDelivery[],
  delayMs: number,
): void {
  const ipnContext = {
    ipnUrl: context.ipnUrl,
    hashSecret: context.hashSecret,
    policy: context.ipnPolicy,
    background: context.background,
    log: context.log,
    onAttempt: () => context.store.changed(),
  };
  context.background.run(
    async () => {
      if (delayMs > 0 && !(await context.background.sleep(delayMs))) return;
      for (const delivery of deliveries) await deliverIpn(delivery, ipnContext);
    },
    (error) => context.log.error({ err: error, txnRef }, 'IPN delivery failed'),
  );
}
