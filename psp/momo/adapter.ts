import type { PaymentProvider } from '../types.js';
import { momoAcknowledgement, verifyMomoCallback } from './callback.js';
import type { ApiConfig } from './http.js';
import { createPayment, type PaymentConfig } from './payment.js';
import { MOMO_LIMITS } from './protocol.js';
import { queryTransaction, refundStatus } from './query.js';
import { refundPayment } from './refund.js';

export { MOMO_LIMITS };

export interface MomoConfig {
  /** MoMo's host (`https://payment.momo.vn`, `https://test-payment.momo.vn`); default the sandbox PSP. */
  baseUrl?: string;
  partnerCode: string;
  accessKey: string;
  secretKey: string;
  /** Our `/v1/psp/momo/callback`, where MoMo POSTs its IPNs. */
  ipnUrl: string;
  /** Per HTTP call; MoMo asks clients to wait at least 30 s. */
  timeoutMs?: number;
  /** captureWallet (the wallet) or payWithMethod (MoMo's page offers every method). */
  requestType?: PaymentConfig['requestType'];
  /** false: payments end authorized (9000) and wait for capture/cancel (confirm.ts). */
  autoCapture?: boolean;
  lang?: ApiConfig['lang'];
}

export const defaultMomoBaseUrl = 'http://127.0.0.1:3100';

/** The full settings a MoMo call needs, for the adapter and for capture/cancel. */
export function momoApiConfig(config: MomoConfig): PaymentConfig {
  return {
    baseUrl: config.baseUrl ?? defaultMomoBaseUrl,
    partnerCode: config.partnerCode,
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    ipnUrl: config.ipnUrl,
    timeoutMs: config.timeoutMs ?? 30_000,
    requestType: config.requestType ?? 'captureWallet',
    autoCapture: config.autoCapture ?? true,
    lang: config.lang ?? 'vi',
  };
}

/** The MoMo v2 gateway adapter. Stateless: every call carries what it needs. */
export function createMomoProvider(config: MomoConfig): PaymentProvider {
  const api = momoApiConfig(config);
  return {
    name: 'momo',
    currencies: [MOMO_LIMITS.currency],
    createPayment: (input) => createPayment(api, input),
    verifyCallback: (request) => verifyMomoCallback(request, api),
    acknowledge: momoAcknowledgement,
    refund: (input) => refundPayment(api, input),
    getRefund: (input) => refundStatus(api, input),
    getTransaction: (input) => queryTransaction(api, input),
  };
}
