import type { Config } from '../infra/config.js';
import type { PaymentProvider } from './types.js';
import { createVnpayProvider } from './vnpay/adapter.js';

/** The payment provider from configuration: the VNPay adapter, aimed at the sandbox by default. */
export function createProvider(config: Config): PaymentProvider {
  return createVnpayProvider({
    baseUrl: config.VNPAY_URL ?? `http://127.0.0.1:${config.PSP_SANDBOX_PORT}`,
    tmnCode: config.VNPAY_TMN_CODE,
    hashSecret: config.VNPAY_HASH_SECRET,
    timeoutMs: 15_000,
  });
}
