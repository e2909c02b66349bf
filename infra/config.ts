import { z } from 'zod';
import { parseIsoDuration, parseIsoDurationList } from '../domain/durations.js';
import { RAILS, type Rail } from '../domain/rails.js';
import { parseSigningKey } from './case-signing.js';
import { parseEncryptionKeys } from './payload-codec.js';

const port = z.coerce.number().int().min(1).max(65535);

/** An ISO 8601 duration (`P1D`, `PT30M`), in milliseconds. */
const isoDuration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const parsed = parseIsoDuration(text);
      if (parsed.ok) return parsed.ms;
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    });

/** An operator's name: what the event log records as `ops:<name>`. */
const OPERATOR_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** The operator the single OPS_API_KEY acts as. */
export const LEGACY_OPERATOR = 'ops';

export interface OpsKey {
  operator: string;
  key: string;
}

/** `name:key,name2:key2` → the named keys; names unique (and not `ops`), keys unique, ≥ 16 chars. */
export function parseOpsKeys(text: string): OpsKey[] | { reason: string } {
  const keys: OpsKey[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const colon = part.indexOf(':');
    const operator = colon < 0 ? '' : part.slice(0, colon);
    const key = colon < 0 ? '' : part.slice(colon + 1);
    if (!OPERATOR_NAME.test(operator)) {
      return {
        reason: `expected name:key pairs, the name lower-case letters, digits, . _ - (not ${JSON.stringify(operator || part.slice(0, 20))})`,
      };
    }
    if (operator === LEGACY_OPERATOR) {
      return { reason: `the name ${LEGACY_OPERATOR} is OPS_API_KEY's; pick another` };
    }
    if (key.length < 16) return { reason: `the key of ${operator} is shorter than 16 characters` };
    if (keys.some((k) => k.operator === operator)) return { reason: `${operator} is named twice` };
    if (keys.some((k) => k.key === key))
      return { reason: `${operator} has another operator's key` };
    keys.push({ operator, key });
  }
  return keys;
}
/** Requests per minute; 0 is off, unset takes the environment's default. */
const rateLimit = z.coerce.number().int().min(0).max(1_000_000).optional();

/** Every environment variable the engine reads, with its default. README's table mirrors this. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  LOG_PRETTY: z.stringbool().optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_BASE_URL: z.url().optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  PG_PORT: port.default(54329),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('escrow'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /** The worker's Temporal SDK metrics (Prometheus, `/metrics`) listen here; port 0 turns them off. */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  // The worker's memory bound and its share-out (worker/main.ts; why these defaults: README).
  /** Escrows whose workflow state the worker keeps in memory; others replay from history. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(10).max(100_000).default(500),
  /**
   * The worker's V8 heap (old space, MiB): what starts the worker passes it as node's
   * --max-old-space-size (worker/options.ts, workerNodeOptions); the worker checks its cache fits.
   */
  WORKER_HEAP_MIB: z.coerce.number().int().min(128).max(65_536).default(448),
  /** Workflow tasks (activations) the worker runs at once. */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(1000).default(20),
  /** Activities the worker runs at once (Postgres writes, PSP calls). */
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(1000).default(40),
  /** Local activities the worker runs at once. */
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).max(1000).default(40),
  PSP_SANDBOX_PORT: port.default(3100),
  /** Where the sandbox PSP keeps its records; default .data/psp-sandbox.json. */
  PSP_SANDBOX_DATA_FILE: z.string().min(1).optional(),
  /** The collection rails buyers may pay through, in order of preference (the first is the default). */
  PAYMENT_RAILS: z
    .string()
    .default(RAILS.join(','))
    .transform((text, ctx) => {
      const names = text
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
      const unknown = names.filter((name) => !(RAILS as readonly string[]).includes(name));
      if (unknown.length > 0 || names.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a comma list of ${RAILS.join(', ')}${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}`,
        });
        return z.NEVER;
      }
      return [...new Set(names)] as Rail[];
    }),
  /** VNPay merchant endpoint; unset: the sandbox PSP on PSP_SANDBOX_PORT. */
  VNPAY_URL: z.url().optional(),
  VNPAY_TMN_CODE: z.string().min(1).default('ESCROWSB'),
  VNPAY_HASH_SECRET: z.string().min(16).default('sandbox-hash-secret-not-for-production'),
  /** MoMo v2 gateway (`https://payment.momo.vn`); unset: the sandbox PSP on PSP_SANDBOX_PORT. */
  MOMO_URL: z.url().optional(),
  MOMO_PARTNER_CODE: z.string().min(1).default('MOMOSANDBOX'),
  MOMO_ACCESS_KEY: z.string().min(1).default('sandbox-momo-access-key'),
  MOMO_SECRET_KEY: z.string().min(16).default('sandbox-momo-secret-key-not-for-production'),
  /** ZaloPay v2 (`https://openapi.zalopay.vn`); unset: the sandbox PSP on PSP_SANDBOX_PORT. */
  ZALOPAY_URL: z.url().optional(),
  ZALOPAY_APP_ID: z.string().regex(/^\d+$/, 'a number').default('2553'),
  ZALOPAY_KEY1: z.string().min(16).default('sandbox-zalopay-key1-not-for-production'),
  ZALOPAY_KEY2: z.string().min(16).default('sandbox-zalopay-key2-not-for-production'),
  /** payOS payment links (`https://api-merchant.payos.vn`); unset: the sandbox PSP on PSP_SANDBOX_PORT. */
  PAYOS_URL: z.url().optional(),
  /** The collection channel's credentials: payOS issues them apart from the payout channel's. */
  PAYOS_CLIENT_ID: z.string().min(1).default('sandbox-payment-client-id'),
  PAYOS_API_KEY: z.string().min(16).default('sandbox-payment-api-key-not-for-production'),
  PAYOS_CHECKSUM_KEY: z.string().min(16).default('sandbox-payment-checksum-key-not-for-production'),
  /** Which rail pays sellers out; payOS is the one Vietnamese rail with a public payout API. */
  PAYOUT_PROVIDER: z.enum(['payos']).default('payos'),
  /** payOS payout endpoint (`https://api-merchant.payos.vn`); unset: the sandbox PSP on PSP_SANDBOX_PORT. */
  PAYOS_PAYOUT_URL: z.url().optional(),
  /** The payout channel's credentials: payOS issues them apart from the collection channel's. */
  PAYOS_PAYOUT_CLIENT_ID: z.string().min(1).default('sandbox-payout-client-id'),
  PAYOS_PAYOUT_API_KEY: z.string().min(16).default('sandbox-payout-api-key-not-for-production'),
  PAYOS_PAYOUT_CHECKSUM_KEY: z
    .string()
    .min(16)
    .default('sandbox-payout-checksum-key-not-for-production'),
  OPS_API_KEY: z.string().min(16).default('ops_dev_key_change_me_in_production'),
  /** Named ops keys, `name:key,name2:key2`: each operator signs what they do (`ops:<name>`). */
  OPS_KEYS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const parsed = parseOpsKeys(text);
      if (Array.isArray(parsed)) return parsed;
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    }),
  /** Signs the ops console's session cookies (HMAC-SHA256). */
  OPS_SESSION_SECRET: z.string().min(32).default('dev-ops-session-secret-change-me-in-production'),
  /** How long an ops console session lasts after login (ISO 8601). */
  OPS_SESSION_TTL: isoDuration('PT8H').pipe(z.number().min(60_000, 'at least PT1M')),
  TOKEN_SECRET: z.string().min(32).default('dev-token-secret-change-me-in-production-0000'),
  /** Encrypts platforms' rail credentials at rest (AES-256-GCM): 32 bytes, base64. */
  CREDENTIALS_KEY: z
    .string()
    .default('ZGV2LWNyZWRlbnRpYWxzLWtleS1ub3QtZm9yLXByb2Q=')
    .transform((text, ctx) => {
      const key = Buffer.from(text, 'base64');
      if (key.length === 32 && key.toString('base64') === text) return key;
      ctx.addIssue({
        code: 'custom',
        message: 'expected 32 bytes in base64 (openssl rand -base64 32)',
      });
      return z.NEVER;
    }),
  /** Temporal payload encryption (infra/payload-codec.ts): `id:base64key,…`, the first encrypts, all decrypt. */
  ENCRYPTION_KEYS: z
    .string()
    .default('dev:ZGV2LXBheWxvYWQta2V5LW5vdC1mb3ItcHJvZC0wMDA=')
    .transform((text, ctx) => {
      const keys = parseEncryptionKeys(text);
      if (Array.isArray(keys)) return keys;
      ctx.addIssue({ code: 'custom', message: keys.reason });
      return z.NEVER;
    }),
  /** Origins of the Temporal Web UI allowed to call the codec route (CORS), comma-separated; default: the dev server's UI. */
  TEMPORAL_UI_ORIGIN: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      const origins = text
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== '');
      const bad = origins.filter((origin) => !/^https?:\/\/[^/\s]+$/.test(origin));
      if (origins.length > 0 && bad.length === 0) return origins;
      ctx.addIssue({
        code: 'custom',
        message: 'expected origins such as https://temporal-ui.example.com, comma-separated',
      });
      return z.NEVER;
    }),
  /** Port of the worker's `/healthz` (unset: no health server). */
  WORKER_HEALTH_PORT: port.optional(),
  /** Signs case records (Ed25519): a PKCS8 PEM or a 32-byte seed in base64; unset: the dev key. */
  CASE_SIGNING_KEY: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === '') return undefined;
      try {
        return parseSigningKey(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** The key id published with CASE_SIGNING_KEY; default: a thumbprint of its public key. */
  CASE_SIGNING_KEY_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,64}$/, '1 to 64 printable ASCII characters')
    .optional(),
  /** Where the PSP sends the buyer's browser after paying; defaults to the API's own page. */
  PAYMENT_RETURN_URL: z.url().optional(),
  /** Largest request body the API reads, in bytes; larger ones get 413. */
  API_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(65_536),
  /** How long Idempotency-Key responses are kept for replay (Stripe keeps them 24 h). */
  IDEMPOTENCY_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(24)
    .max(24 * 30)
    .default(24),
  /** Delays before each webhook retry, ISO 8601 durations comma-separated (`PT5S,PT5M,PT2H`); given up after the last. Default: webhooks/schedule.ts. */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      const delays = parseIsoDurationList(text);
      if (Array.isArray(delays)) return delays;
      ctx.addIssue({ code: 'custom', message: delays.reason });
      return z.NEVER;
    }),
  /** How long a payment may still arrive after an unpaid escrow ends (it is refunded), ISO 8601. */
  LATE_PAYMENT_GRACE: isoDuration('P1D'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(16),
  WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  /** How often the reconciliation schedule compares the ledger with the rails (ISO 8601). */
  RECONCILE_EVERY: isoDuration('PT1H').pipe(z.number().min(60_000, 'at least PT1M')),
  /** How old a pending entry or a rail record must be before reconciliation judges it. */
  RECONCILE_SETTLE_LAG: isoDuration('PT15M'),
  // Rate limits (api/rate-limits.ts): requests per minute, counted in Postgres across every API
  // process; 0 turns one off. Unset: off outside production, the defaults in api/settings.ts in it.
  /** Per platform (its API keys share one budget) and per party token. */
  RATE_LIMIT_PLATFORM_PER_MINUTE: rateLimit,
  /** Per client IP, for requests without a valid credential (401s included, docs, OpenAPI). */
  RATE_LIMIT_IP_PER_MINUTE: rateLimit,
  /** Per client IP, for PSP callbacks: generous, since a PSP sends every merchant's from few IPs. */
  RATE_LIMIT_CALLBACK_PER_MINUTE: rateLimit,
  /** Behind a reverse proxy: the client IP is the last `X-Forwarded-For` entry, not the socket's. */
  RATE_LIMIT_TRUST_PROXY: z.stringbool().default(false),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError listing every bad variable at once. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) {
    if (result.data.NODE_ENV === 'production') {
      assertProductionSecrets(env, result.data.PAYMENT_RAILS, result.data.OPS_KEYS);
      // Named keys alone: the public development OPS_API_KEY must not stay valid.
      if (!env.OPS_API_KEY) return { ...result.data, OPS_API_KEY: '' };
    }
    return result.data;
  }
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
    }),
  );
}

/** Each rail's credentials: their dev defaults are public, so production names its own. */
const RAIL_SECRETS: Record<Rail, string[]> = {
  vnpay: ['VNPAY_TMN_CODE', 'VNPAY_HASH_SECRET'],
  momo: ['MOMO_PARTNER_CODE', 'MOMO_ACCESS_KEY', 'MOMO_SECRET_KEY'],
  zalopay: ['ZALOPAY_APP_ID', 'ZALOPAY_KEY1', 'ZALOPAY_KEY2'],
  payos: ['PAYOS_CLIENT_ID', 'PAYOS_API_KEY', 'PAYOS_CHECKSUM_KEY'],
};

/** Dev defaults for secrets are public; production must set its own, for every enabled rail. */
function assertProductionSecrets(
  env: NodeJS.ProcessEnv,
  rails: readonly Rail[],
  opsKeys: readonly OpsKey[],
): void {
  const missing = [
    'DATABASE_URL',
    'TEMPORAL_ADDRESS',
    // One of the two: the single ops key, or named ones.
    ...(opsKeys.length > 0 ? [] : ['OPS_API_KEY']),
    'TOKEN_SECRET',
    'OPS_SESSION_SECRET',
    'CREDENTIALS_KEY',
    'ENCRYPTION_KEYS',
    'CASE_SIGNING_KEY',
    ...rails.flatMap((rail) => RAIL_SECRETS[rail]),
    'PAYOS_PAYOUT_CLIENT_ID',
    'PAYOS_PAYOUT_API_KEY',
    'PAYOS_PAYOUT_CHECKSUM_KEY',
  ]
    .filter((name) => !env[name])
    .map((name) =>
      name === 'OPS_API_KEY'
        ? 'OPS_API_KEY: required when NODE_ENV=production (or named keys in OPS_KEYS)'
        : `${name}: required when NODE_ENV=production`,
    );
  const short = opsKeys
    .filter((k) => k.key.length < 32)
    .map((k) => `OPS_KEYS (${k.operator}): a named key is at least 32 characters in production`);
  const problems = [...missing, ...short];
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The Temporal frontend to use: the configured one, else the dev server `npm run dev` starts. */
export const temporalAddress = (config: Config): string =>
  config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;

/** For entry points: a bad environment ends the process with a readable list, exit code 78. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}
