import type { Config } from '../infra/config.js';
import { createPayosPayoutProvider } from './payos/payouts.js';
import { RAIL_REGISTRY } from './registry.js';
import { createSandboxListing } from './sandbox-listing.js';
import type { CollectionListing, PaymentProvider, PayoutProvider } from './types.js';

const sandboxUrl = (config: Config) => `http://127.0.0.1:${config.PSP_SANDBOX_PORT}`;

/** The enabled collection rails (PAYMENT_RAILS, in its order), each aimed at the sandbox by default. */
export function createProviders(config: Config): PaymentProvider[] {
  return config.PAYMENT_RAILS.map((rail) => RAIL_REGISTRY[rail].create(config));
}

/** VNPay's adapter, which reconciliation asks: its queries and listing cover VNPay payments. */
export function createProvider(config: Config): PaymentProvider {
  return RAIL_REGISTRY.vnpay.create(config);
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
