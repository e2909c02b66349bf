import type { Config } from '../infra/config.js';
import { createPayosPayoutProvider } from './payos/payouts.js';
import { createSandboxListing } from './sandbox-listing.js';
import type { CollectionListing, PaymentProvider, PayoutProvider } from './types.js';
import { createVnpayProvider } from './vnpay/adapter.js';

const sandboxUrl = (config: Config) => `http://127.0.0.1:${config.PSP_SANDBOX_PORT}`;

/** The payment provider from configuration: the VNPay adapter, aimed at the sandbox by default. */
export function createProvider(config: Config): PaymentProvider {
  return createVnpayProvider({
    baseUrl: config.VNPAY_URL ?? sandboxUrl(config),
    tmnCode: config.VNPAY_TMN_CODE,
    hashSecret: config.VNPAY_HASH_SECRET,
    timeoutMs: 15_000,
  });
}

/** The collection rail's own records, when it lists them: only the sandbox does (VNPAY_URL unset). */
export function createCollectionListing(config: Config): CollectionListing | undefined {
  return config.VNPAY_URL ? undefined : createSandboxListing(sandboxUrl(config));
}

/** The payout rail from configuration: payOS's payout API, aimed at the sandbox by default. */
export function createPayoutProvider(config: Config): PayoutProvider {
  switch (config.PAYOUT_PROVIDER) {
    case 'payos':
      return createPayosPayoutProvider({
        baseUrl: config.PAYOS_PAYOUT_URL ?? sandboxUrl(config),
        clientId: config.PAYOS_PAYOUT_CLIENT_ID,
        apiKey: config.PAYOS_PAYOUT_API_KEY,
        checksumKey: config.PAYOS_PAYOUT_CHECKSUM_KEY,
        timeoutMs: 15_000,
      });
  }
}
