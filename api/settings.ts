import { type CaseSigningKey, caseSigningKey } from '../infra/case-signing.js';
import { type Config, configSchema, LEGACY_OPERATOR, type OpsKey } from '../infra/config.js';
import type { EncryptionKey } from '../infra/payload-codec.js';
import type { UrlPolicy } from '../webhooks/url-guard.js';
import type { RateLimitSettings } from './rate-limits.js';

/** What the HTTP API needs from configuration, resolved once at start-up. */
export interface ApiSettings {
  /** Task queue the escrow workflows are started on. */
  taskQueue: string;
  /** The single ops key, operator `ops` (empty: none; production with named keys only). */
  opsApiKey: string;
  /** Named ops keys (OPS_KEYS): each acts as its operator. */
  opsKeys: OpsKey[];
  /** Signs the ops console's session cookies. */
  opsSessionSecret: string;
  opsSessionTtlMs: number;
  /** Production: the console's cookie is `Secure`. */
  production: boolean;
  /** Signs party tokens. */
  tokenSecret: string;
  /** Where the PSP sends the buyer back after paying. */
  paymentReturnUrl: string;
  maxBodyBytes: number;
  idempotencyTtlMs: number;
  /** How long an in-flight request holds its Idempotency-Key before a retry may take over. */
  idempotencyLeaseMs: number;
  /** Longest wait for Temporal (start, update) before the request answers 503. */
  temporalTimeoutMs: number;
  /** Longest lifetime a platform may give a party token. */
  partyTokenMaxTtlSeconds: number;
  /** Written into each new escrow's terms: how long a late payment is still booked and refunded. */
  latePaymentGraceMs: number;
  /** Seals platforms' rail credentials (CREDENTIALS_KEY). */
  credentialsKey: Buffer;
  /** Where the API is reached from outside (PUBLIC_BASE_URL): links to the hosted escrow pages. */
  publicBaseUrl: string;
  /** Cookies of the hosted pages carry `Secure` (on in production). */
  secureCookies: boolean;
  /** Send Strict-Transport-Security (production: served over TLS). */
  strictTransportSecurity: boolean;
  /** Temporal payload keys (ENCRYPTION_KEYS) the codec route decodes and encodes with. */
  encryptionKeys: EncryptionKey[];
  /** Origins of the Temporal Web UI the codec route answers cross-origin (TEMPORAL_UI_ORIGIN). */
  temporalUiOrigins: string[];
  /** Requests per minute per platform, per IP, per callback IP (0: off). */
  rateLimits: RateLimitSettings;
  /** Which webhook URLs may be registered and connected to (production: `strict`). */
  webhookUrlPolicy: UrlPolicy;
  /** Per request of `POST /v1/webhook-endpoints/{id}/test` (WEBHOOK_TIMEOUT_MS). */
  webhookTimeoutMs: number;
  /** Signs case records (CASE_SIGNING_KEY; the development key when unset outside production). */
  caseSigningKey: CaseSigningKey;
}

/** Production's rate limits when the environment sets none; elsewhere they are off. */
export const PRODUCTION_RATE_LIMITS = { platform: 1_200, ip: 120, callback: 6_000 } as const;

export function apiSettingsFrom(config: Config): ApiSettings {
  const publicBaseUrl = (config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`).replace(
    /\/+$/,
    '',
  );
  return {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    opsApiKey: config.OPS_API_KEY,
    opsKeys: config.OPS_KEYS,
    opsSessionSecret: config.OPS_SESSION_SECRET,
    opsSessionTtlMs: config.OPS_SESSION_TTL,
    production: config.NODE_ENV === 'production',
    tokenSecret: config.TOKEN_SECRET,
    paymentReturnUrl: config.PAYMENT_RETURN_URL ?? `${publicBaseUrl}/payment/return`,
    maxBodyBytes: config.API_MAX_BODY_BYTES,
    idempotencyTtlMs: config.IDEMPOTENCY_TTL_HOURS * 3_600_000,
    idempotencyLeaseMs: 60_000,
    temporalTimeoutMs: 20_000,
    partyTokenMaxTtlSeconds: 7 * 86_400,
    latePaymentGraceMs: config.LATE_PAYMENT_GRACE,
    credentialsKey: config.CREDENTIALS_KEY,
    publicBaseUrl,
    secureCookies: config.NODE_ENV === 'production',
    strictTransportSecurity: config.NODE_ENV === 'production',
    encryptionKeys: config.ENCRYPTION_KEYS,
    temporalUiOrigins: config.TEMPORAL_UI_ORIGIN ?? [
      `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`,
      `http://localhost:${config.TEMPORAL_UI_PORT}`,
    ],
    rateLimits: rateLimitsFrom(config),
    webhookUrlPolicy: config.NODE_ENV === 'production' ? 'strict' : 'standard',
    webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
    caseSigningKey: caseSigningKey(config.CASE_SIGNING_KEY, config.CASE_SIGNING_KEY_ID),
  };
}

/** The development defaults (the same as an empty environment), for tests and tools. */
export const defaultApiSettings = (): ApiSettings => apiSettingsFrom(configSchema.parse({}));

/** Every ops key the API accepts, each with its operator: the single key is `ops`. */
export const opsKeysOf = (settings: Pick<ApiSettings, 'opsApiKey' | 'opsKeys'>): OpsKey[] => [
  ...(settings.opsApiKey === '' ? [] : [{ operator: LEGACY_OPERATOR, key: settings.opsApiKey }]),
  ...settings.opsKeys,
];
function rateLimitsFrom(config: Config): RateLimitSettings {
  const production = config.NODE_ENV === 'production';
  const pick = (value: number | undefined, fallback: number) =>
    value ?? (production ? fallback : 0);
  return {
    platformPerMinute: pick(config.RATE_LIMIT_PLATFORM_PER_MINUTE, PRODUCTION_RATE_LIMITS.platform),
    ipPerMinute: pick(config.RATE_LIMIT_IP_PER_MINUTE, PRODUCTION_RATE_LIMITS.ip),
    callbackPerMinute: pick(config.RATE_LIMIT_CALLBACK_PER_MINUTE, PRODUCTION_RATE_LIMITS.callback),
    trustProxy: config.RATE_LIMIT_TRUST_PROXY,
  };
}
