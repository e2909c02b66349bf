import type { Rail } from '../domain/rails.js';
import type { Config } from '../infra/config.js';
import {
  momoClaimedRef,
  payosClaimedRef,
  vnpayClaimedRef,
  zalopayClaimedRef,
} from './claimed-ref.js';
import { createMomoProvider, MOMO_LIMITS } from './momo/adapter.js';
import { createPayosProvider, PAYOS_LIMITS } from './payos/collection.js';
import type { CallbackRequest, PaymentProvider } from './types.js';
import { createVnpayProvider, VNPAY_LIMITS } from './vnpay/adapter.js';
import { createZalopayProvider, ZALOPAY_LIMITS } from './zalopay/adapter.js';

/** What one payment on a rail may be: one currency, an inclusive amount range in minor units. */
export interface RailLimits {
  readonly currency: string;
  readonly min: bigint;
  readonly max: bigint;
}

/** What a merchant account on each rail is: the fields its PSP issues. */
export interface RailCredentials {
  vnpay: { tmnCode: string; hashSecret: string };
  momo: { partnerCode: string; accessKey: string; secretKey: string };
  zalopay: { appId: string; key1: string; key2: string };
  payos: { clientId: string; apiKey: string; checksumKey: string };
}

export interface RailEntry<R extends Rail = Rail> {
  readonly limits: RailLimits;
  /** false: the rail cannot pay a buyer back, so a refund fails for good and waits for ops. */
  readonly refunds: boolean;
  /** The deployment's own merchant account on the rail, from configuration. */
  credentials(config: Config): RailCredentials[R];
  /**
   * The adapter, aimed at the sandbox PSP unless the rail's URL is set, signing with the given
   * merchant account (a platform's own) or else the deployment's.
   */
  create(config: Config, credentials?: RailCredentials[R]): PaymentProvider;
  /** The order reference a callback claims, unverified: which escrow's credentials verify it. */
  claimedRef(request: CallbackRequest): string | undefined;
}

const sandboxUrl = (config: Config) => `http://127.0.0.1:${config.PSP_SANDBOX_PORT}`;

/** Where a rail's callbacks reach us: `/v1/psp/{rail}/callback` on the public base URL. */
export function callbackUrl(config: Config, rail: Rail): string {
  const base = config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`;
  return `${base.replace(/\/+$/, '')}/v1/psp/${rail}/callback`;
}

/** Every rail the engine speaks. A new one is its adapter folder plus one line here. */
export const RAIL_REGISTRY: { readonly [R in Rail]: RailEntry<R> } = {
  vnpay: {
    limits: VNPAY_LIMITS,
    refunds: true,
    credentials: (config) => ({
      tmnCode: config.VNPAY_TMN_CODE,
      hashSecret: config.VNPAY_HASH_SECRET,
    }),
    create: (config, credentials = RAIL_REGISTRY.vnpay.credentials(config)) =>
      createVnpayProvider({
        baseUrl: config.VNPAY_URL ?? sandboxUrl(config),
        ...credentials,
        timeoutMs: 15_000,
      }),
    claimedRef: vnpayClaimedRef,
  },
  momo: {
    limits: MOMO_LIMITS,
    refunds: true,
    credentials: (config) => ({
      partnerCode: config.MOMO_PARTNER_CODE,
      accessKey: config.MOMO_ACCESS_KEY,
      secretKey: config.MOMO_SECRET_KEY,
    }),
    create: (config, credentials = RAIL_REGISTRY.momo.credentials(config)) =>
      createMomoProvider({
        baseUrl: config.MOMO_URL ?? sandboxUrl(config),
        ...credentials,
        ipnUrl: callbackUrl(config, 'momo'),
      }),
    claimedRef: momoClaimedRef,
  },
  zalopay: {
    limits: ZALOPAY_LIMITS,
    refunds: true,
    credentials: (config) => ({
      appId: config.ZALOPAY_APP_ID,
      key1: config.ZALOPAY_KEY1,
      key2: config.ZALOPAY_KEY2,
    }),
    create: (config, credentials = RAIL_REGISTRY.zalopay.credentials(config)) =>
      createZalopayProvider({
        baseUrl: config.ZALOPAY_URL ?? sandboxUrl(config),
        ...credentials,
        callbackUrl: callbackUrl(config, 'zalopay'),
      }),
    claimedRef: zalopayClaimedRef,
  },
  payos: {
    limits: PAYOS_LIMITS,
    // payOS has no refund API: a buyer is paid back by a payout to their bank account.
    refunds: false,
    credentials: (config) => ({
      clientId: config.PAYOS_CLIENT_ID,
      apiKey: config.PAYOS_API_KEY,
      checksumKey: config.PAYOS_CHECKSUM_KEY,
    }),
    create: (config, credentials = RAIL_REGISTRY.payos.credentials(config)) =>
      createPayosProvider({
        baseUrl: config.PAYOS_URL ?? sandboxUrl(config),
        ...credentials,
      }),
    claimedRef: payosClaimedRef,
  },
};

/** Builds a rail's adapter for one merchant account (a platform's own credentials). */
export type BuildProvider = <R extends Rail>(
  rail: R,
  credentials: RailCredentials[R],
) => PaymentProvider;

/** The registry's adapters from configuration, with the merchant account given per call. */
export const providerBuilder =
  (config: Config): BuildProvider =>
  (rail, credentials) =>
    (RAIL_REGISTRY[rail] as RailEntry).create(config, credentials);
