import type { PaymentProvider } from '../types.js';
import { verifyZalopayCallback, zalopayAcknowledgement } from './callback.js';
import type { ZalopayConfig } from './config.js';
import { createOrder } from './payment.js';
import { ZALOPAY_LIMITS } from './protocol.js';
import { queryOrder } from './query.js';
import { refundOrder, refundStatus } from './refund.js';

export { ZALOPAY_LIMITS };

/** The sandbox PSP on its default port (PSP_SANDBOX_PORT). */
export const defaultZalopayBaseUrl = 'http://127.0.0.1:3100';

export type ZalopayProviderConfig = Pick<ZalopayConfig, 'appId' | 'key1' | 'key2'> &
  Partial<Omit<ZalopayConfig, 'appId' | 'key1' | 'key2'>>;

/** The ZaloPay v2 adapter (payment gateway orders). Stateless: every call carries what it needs. */
export function createZalopayProvider(options: ZalopayProviderConfig): PaymentProvider {
  const config: ZalopayConfig = {
    baseUrl: defaultZalopayBaseUrl,
    timeoutMs: 10_000,
    appUser: 'escrow-engine',
    ...options,
  };
  return {
    name: 'zalopay',
    currencies: [ZALOPAY_LIMITS.currency],
    createPayment: (input) => createOrder(config, input),
    verifyCallback: (request) => verifyZalopayCallback(request, config),
    acknowledge: zalopayAcknowledgement,
    refund: (input) => refundOrder(config, input),
    getRefund: (input) => refundStatus(config, input),
    getTransaction: (input) => queryOrder(config, input),
  };
}
