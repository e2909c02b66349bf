import { type CaseSigningKey, caseSigningKey } from '../infra/case-signing.js';
import { type Config, configSchema } from '../infra/config.js';

/** What the HTTP API needs from configuration, resolved once at start-up. */
export interface ApiSettings {
  /** Task queue the escrow workflows are started on. */
  taskQueue: string;
  opsApiKey: string;
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
  /** Signs case records (CASE_SIGNING_KEY; the development key when unset outside production). */
  caseSigningKey: CaseSigningKey;
}

export function apiSettingsFrom(config: Config): ApiSettings {
  const publicBaseUrl = (config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`).replace(
    /\/+$/,
    '',
  );
  return {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    opsApiKey: config.OPS_API_KEY,
    tokenSecret: config.TOKEN_SECRET,
    paymentReturnUrl: config.PAYMENT_RETURN_URL ?? `${publicBaseUrl}/payment/return`,
    maxBodyBytes: config.API_MAX_BODY_BYTES,
    idempotencyTtlMs: config.IDEMPOTENCY_TTL_HOURS * 3_600_000,
    idempotencyLeaseMs: 60_000,
    temporalTimeoutMs: 20_000,
    partyTokenMaxTtlSeconds: 7 * 86_400,
    latePaymentGraceMs: config.LATE_PAYMENT_GRACE,
    credentialsKey: config.CREDENTIALS_KEY,
    caseSigningKey: caseSigningKey(config.CASE_SIGNING_KEY, config.CASE_SIGNING_KEY_ID),
  };
}

/** The development defaults (the same as an empty environment), for tests and tools. */
export const defaultApiSettings = (): ApiSettings => apiSettingsFrom(configSchema.parse({}));
