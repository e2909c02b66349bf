import type { Rail } from '../domain/rails.js';
import type { Config } from '../infra/config.js';
import { createMomoProvider, MOMO_LIMITS } from './momo/adapter.js';
import { createPayosProvider, PAYOS_LIMITS } from './payos/collection.js';
import type { PaymentProvider } from './types.js';
import { createVnpayProvider, VNPAY_LIMITS } from './vnpay/adapter.js';
import { createZalopayProvider, ZALOPAY_LIMITS } from './zalopay/adapter.js';

/** What one payment on a rail may be: one currency, an inclusive amount range in minor units. */
export interface RailLimits {
  readonly currency: string;
  readonly min: bigint;
  readonly max: bigint;
}

export interface RailEntry {
  readonly limits: RailLimits;
  /** false: the rail cannot pay a buyer back, so a refund fails for good and waits for ops. */
  readonly refunds: boolean;
  /** The adapter from configuration, aimed at the sandbox PSP unless the rail's URL is set. */
  create(config: Config): PaymentProvider;
}

const sandboxUrl = (config: Config) => `http://127.0.0.1:${config.PSP_SANDBOX_PORT}`;

/** Where a rail's callbacks reach us: `/v1/psp/{rail}/callback` on the public base URL. */
export function callbackUrl(config: Config, rail: Rail): string {
  const base = config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`;
  return `${base.replace(/\/+$/, '')}/v1/psp/${rail}/callback`;
}

/** Every rail the engine speaks. A new one is its adapter folder plus one line here. */
export const RAIL_REGISTRY: Readonly<Record<Rail, RailEntry>> = {
  vnpay: {
    limits: VNPAY_LIMITS,
    refunds: true,
    create: (config) =>
      createVnpayProvider({
        baseUrl: config.VNPAY_URL ?? sandboxUrl(config),
        tmnCode: config.VNPAY_TMN_CODE,
        hashSecret: config.VNPAY_HASH_SECRET,
        timeoutMs: 15_000,
      }),
  },
  momo: {
    limits: MOMO_LIMITS,
    refunds: true,
    create: (config) =>
      createMomoProvider({
        baseUrl: config.MOMO_URL ?? sandboxUrl(config),
        partnerCode: config.MOMO_PARTNER_CODE,
        accessKey: config.MOMO_ACCESS_KEY,
        secretKey: config.MOMO_SECRET_KEY,
        ipnUrl: callbackUrl(config, 'momo'),
      }),
  },
  zalopay: {
    limits: ZALOPAY_LIMITS,
    refunds: true,
    create: (config) =>
      createZalopayProvider({
        baseUrl: config.ZALOPAY_URL ?? sandboxUrl(config),
        appId: config.ZALOPAY_APP_ID,
        key1: config.ZALOPAY_KEY1,
        key2: config.ZALOPAY_KEY2,
        callbackUrl: callbackUrl(config, 'zalopay'),
      }),
  },
  payos: {
    limits: PAYOS_LIMITS,
    // payOS has no refund API: a buyer is paid back by a payout to their bank account.
    refunds: false,
    create: (config) =>
      createPayosProvider({
        baseUrl: config.PAYOS_URL ?? sandboxUrl(config),
        clientId: config.PAYOS_CLIENT_ID,
        apiKey: config.PAYOS_API_KEY,
        checksumKey: config.PAYOS_CHECKSUM_KEY,
      }),
  },
};
