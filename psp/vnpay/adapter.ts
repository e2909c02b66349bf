import type { PaymentProvider } from '../types.js';
import { verifyVnpayCallback, vnpayAcknowledgement } from './callback.js';
import { buildPaymentUrl } from './payment-url.js';
import { VNPAY_LIMITS } from './protocol.js';
import { queryTransaction } from './query.js';
import { refundPayment } from './refund.js';
import { refundStatus } from './refund-status.js';

export { VNPAY_LIMITS };

export interface VnpayConfig {
  /** VNPay's host, or the sandbox PSP's URL. */
  baseUrl: string;
  tmnCode: string;
  hashSecret: string;
  /** Per HTTP call; past it the call fails with PspTransientError('timeout'). */
  timeoutMs: number;
  /** vnp_IpAddr of our server-to-server calls. */
  serverIp?: string;
  /** vnp_CreateBy of refunds. */
  createdBy?: string;
}

/** The VNPay 2.1.0 adapter. Stateless: every call carries what it needs. */
export function createVnpayProvider(config: VnpayConfig): PaymentProvider {
  const apiConfig = {
    ...config,
    serverIp: config.serverIp ?? '127.0.0.1',
    createdBy: config.createdBy ?? 'escrow-engine',
  };
  return {
    name: 'vnpay',
    currencies: ['VND'],
    createPayment: async (input) => buildPaymentUrl(config, input),
    verifyCallback: (request) => verifyVnpayCallback(request, config),
    acknowledge: vnpayAcknowledgement,
    refund: (input) => refundPayment(apiConfig, input),
    getRefund: (input) => refundStatus(apiConfig, input),
    getTransaction: (input) => queryTransaction(apiConfig, input),
  };
}
