import { type PaymentProvider, PspPermanentError, type TransactionStatus } from '../types.js';
import {
  checkoutBaseUrlOf,
  collectionClient,
  type PayosCollectionConfig,
} from './collection-client.js';
import { orderCodeOf } from './order-code.js';
import { cancelPaymentLink, createPaymentLink, linkTransaction } from './payment-link.js';
import { payosAcknowledgement, verifyPayosWebhook } from './webhook.js';

export type { PayosCollectionConfig } from './collection-client.js';
export { orderCodeOf } from './order-code.js';
export { PAYOS_LIMITS } from './payment-link.js';

/**
 * payOS has no refund API: a buyer is paid back by a payout to their bank account, which the
 * engine must ask the buyer for. Refused here, so nothing waits on a refund that cannot come.
 */
const noRefunds = (): never => {
  throw new PspPermanentError(
    'declined',
    "payOS cannot refund a payment: refunds of payOS payments go out through the payout rail to the buyer's bank account",
    'payos',
  );
};

export interface PayosPaymentProvider extends PaymentProvider {
  /** Cancels the txnRef's payment link (§2.1), so the buyer can no longer pay it. */
  cancel(txnRef: string, reason: string): Promise<TransactionStatus>;
}

/**
 * Collection through payOS payment links (VietQR bank transfers) and its official SDK, with the
 * payment channel's own credentials. The txnRef's orderCode makes a retried create the same link.
 */
export function createPayosProvider(config: PayosCollectionConfig): PayosPaymentProvider {
  const payos = collectionClient(config);
  const links = { payos, checkoutBaseUrl: checkoutBaseUrlOf(config) };
  return {
    name: 'payos',
    currencies: ['VND'],
    createPayment: (input) => createPaymentLink(links, input),
    verifyCallback: (request) => verifyPayosWebhook(request, config.checksumKey),
    acknowledge: payosAcknowledgement,
    refund: async () => noRefunds(),
    getRefund: async () => noRefunds(),
    getTransaction: (input) => linkTransaction(payos, input.txnRef),
    cancel: (txnRef, reason) => cancelPaymentLink(payos, txnRef, reason),
    orderRefOf: (txnRef) => String(orderCodeOf(txnRef)),
  };
}
