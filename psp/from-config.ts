import type { Config } from '../infra/config.js';
import { createSandboxListing } from './sandbox-listing.js';
import type { CollectionListing, PaymentProvider, PayoutProvider } from './types.js';
import { createVnpayProvider } from './vnpay/adapter.js';
import { type PayoutConfig, sendPayout } from './vnpay/payout.js';

const vnpayConfig = (config: Config) => ({
  baseUrl: config.VNPAY_URL ?? `http://127.0.0.1:${config.PSP_SANDBOX_PORT}`,
  tmnCode: config.VNPAY_TMN_CODE,
  hashSecret: config.VNPAY_HASH_SECRET,
  timeoutMs: 15_000,
});

/** The payment provider from configuration: the VNPay adapter, aimed at the sandbox by default. */
export function createProvider(config: Config): PaymentProvider {
  return createVnpayProvider(vnpayConfig(config));
}

/** The collection rail's own records, when it lists them: only the sandbox does (VNPAY_URL unset). */
export function createCollectionListing(config: Config): CollectionListing | undefined {
  return config.VNPAY_URL ? undefined : createSandboxListing(vnpayConfig(config).baseUrl);
}

/** The payout rail from configuration. */
export function createPayoutProvider(config: Config): PayoutProvider {
  return createSandboxPayouts(vnpayConfig(config));
}

/** Interim: the sandbox's own payout endpoint, until the payOS payout adapter replaces it. */
export function createSandboxPayouts(config: PayoutConfig): PayoutProvider {
  return {
    name: 'sandbox',
    currencies: ['VND'],
    payout: (input) => sendPayout(config, input),
    getPayout: async () => ({ status: 'not_found' }),
    listPayouts: async () => [],
  };
}
