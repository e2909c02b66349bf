import { z } from '@hono/zod-openapi';
import { ISO_DURATION_PATTERN, parseIsoDuration } from '../../domain/durations.js';
import { TIMERS, type Timer } from '../../domain/lifecycle.js';

// Text fields refuse control characters (C0, DEL, C1) and lone surrogates: Postgres cannot
// store NUL, and none of them belongs in an order reference, a carrier or a dispute message
// (they break logs, exports and the PSP's signed strings). Free text keeps its line breaks.
// Written once as character ranges (C0, DEL and C1 are Unicode's Cc; D800-DFFF, matched with
// the u flag, are lone surrogates): checked here, and published as the JSON Schema pattern so
// clients and fuzzers know.
const REFUSED = '\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF';
const REFUSED_BUT_LINE_BREAKS =
  '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF';
const textRule = (ranges: string) => ({
  find: new RegExp(`[${ranges}]`, 'u'),
  pattern: `^[^${ranges}]*$`,
});
const LINE = textRule(REFUSED);
const MULTILINE = textRule(REFUSED_BUT_LINE_BREAKS);

/** Adds the text rule to a string schema (a URL, an id…); `safeText` is the usual entry point. */
export function withoutControlChars<T extends z.ZodString | z.ZodURL>(
  schema: T,
  { multiline = false } = {},
): T {
  const rule = multiline ? MULTILINE : LINE;
  const checked = schema.superRefine((text, ctx) => {
    const found = rule.find.exec(text);
    if (!found) return;
    const code = (found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    ctx.addIssue({
      code: 'custom',
      message: `control characters and lone surrogates are not allowed (U+${code} at index ${found.index})`,
    });
  }) as T;
  return checked.openapi({ pattern: rule.pattern }) as T;
}

/** Trimmed text of `min` to `max` characters under the text rule. */
export const safeText = (max: number, { min = 1, multiline = false } = {}) =>
  withoutControlChars(z.string().trim().min(min).max(max), { multiline });

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://escrow.dev/problems/validation-failed' }),
    title: z.string().openapi({ example: 'Invalid request' }),
    status: z.int().openapi({ example: 422 }),
    detail: z.string().openapi({ example: '1 field is invalid: body.amount' }),
    instance: z.string().optional().openapi({ example: '/v1/escrows' }),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Field-level errors (422).' }),
    currentStatus: z
      .string()
      .optional()
      .openapi({ description: "The escrow's status when an action was refused (409)." }),
    allowedActions: z
      .array(z.string())
      .optional()
      .openapi({ description: 'What this credential may do in the current status (409).' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details; every error has this shape.' });

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (body is not JSON, or an Idempotency-Key that is not 1 to 255 printable ASCII characters)',
  401: 'No credential, or not a valid one',
  403: 'This credential may not do this',
  404: 'No such escrow (or not yours)',
  409: 'Not allowed in the current status, or the same Idempotency-Key is in flight',
  413: 'Request body too large',
  415: 'Request body is not application/json',
  422: 'Invalid fields or parameters (an id is 1 to 64 characters), or an Idempotency-Key reused with a different body',
  429: 'Over the rate limit (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`); retry after `Retry-After` seconds',
  503: 'The workflow engine or the database cannot take the request right now; retry after `Retry-After` seconds with the same Idempotency-Key',
};

const RETRY_AFTER_HEADER = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    required: true,
    schema: { type: 'integer' as const, minimum: 1 },
  },
};

/** A JSON response of a route's OpenAPI entry. */
export const json = <S>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * One problem+json response of a route's OpenAPI entry; `description` where the usual one does
 * not fit the route (a delivery's 404 is not an escrow's).
 */
export const problem = (code: number, description = PROBLEM_DESCRIPTIONS[code] ?? 'Error') => ({
  description,
  ...(code === 503 || code === 429 ? { headers: RETRY_AFTER_HEADER } : {}),
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The problem+json responses a route may answer with, for its OpenAPI entry. */
export function problems<const Codes extends readonly number[]>(...codes: Codes) {
  return Object.fromEntries(codes.map((code) => [code, problem(code)])) as {
    [K in Codes[number]]: ReturnType<typeof problem>;
  };
}

/** What api/idempotency.ts accepts as a key: 1 to 255 printable ASCII characters, no spaces. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

// Documentation only: api/idempotency.ts reads the header and answers 400 when it does not
// match, so the pattern is published here but not checked (that would be a 422).
export const IdempotencyKeyHeader = z.object({
  'Idempotency-Key': z.string().optional().openapi({
    pattern: IDEMPOTENCY_KEY_PATTERN.source,
    description:
      'Makes the POST safe to retry: the first response is stored for 24 h and replayed (header Idempotent-Replayed: true); the same key with another body → 422; while the first is in flight → 409. 1 to 255 printable ASCII characters without spaces (U+0021 to U+007E), else 400.',
    example: '5f0c8a9e-3b7d-4e0b-9a51-2d4c7b1e6f10',
  }),
});

export const EscrowIdParams = z.object({
  id: withoutControlChars(z.string().min(1).max(64)).openapi({
    param: { name: 'id', in: 'path' },
    example: 'esc_4f9a1c2b3d4e5f607182',
  }),
});

/** Integer amounts in the currency's minor unit, within JavaScript's safe integers. */
export const MinorUnits = z.int().openapi({
  description:
    "Integer amount in the currency's minor unit (VND has none: 150000 is 150,000 ₫). At most 2^53 − 1.",
});

export const PayoutDestinationSchema = z
  .strictObject({
    bankCode: z
      .string()
      .regex(/^[A-Z0-9]{2,20}$/, 'a bank code: 2 to 20 capital letters or digits')
      .openapi({ example: 'VCB' }),
    accountNumber: z
      .string()
      .regex(/^[0-9]{6,20}$/, 'an account number: 6 to 20 digits')
      .openapi({ example: '0123456789' }),
    accountName: safeText(100).openapi({ example: 'NGUYEN VAN A' }),
  })
  .openapi('PayoutDestination');

const MIN_WINDOW_MS = 60_000;
const MAX_WINDOW_MS = 365 * 86_400_000;

/** An ISO 8601 duration such as P3D or PT30M, between one minute and a year. */
export const WindowDuration = z
  .string()
  .max(40)
  .superRefine((text, ctx) => {
    const parsed = parseIsoDuration(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
    else if (parsed.ms < MIN_WINDOW_MS || parsed.ms > MAX_WINDOW_MS) {
      ctx.addIssue({ code: 'custom', message: `${text}: a window lasts from PT1M to P365D` });
    }
  })
  .openapi({
    description:
      'ISO 8601 duration (weeks, days, hours, minutes, seconds), from PT1M to P365D; outside that range → 422.',
    pattern: ISO_DURATION_PATTERN.source,
  });

const windowDescriptions: Record<Timer, string> = {
  paymentWindow: 'Unpaid after this → expired (default PT30M).',
  shippingWindow: 'Funded but not shipped after this → full refund (default P3D).',
  deliveryWindow: 'Shipped, no delivery event after this → treated as delivered (default P14D).',
  inspectionWindow:
    'Delivered, buyer silent after this → released (default P3D); items may have their own.',
  sellerResponseWindow: 'Disputed, seller silent after this → buyer wins (default P2D).',
  opsDecisionSla: 'Disputed, no arbiter decision after this → escalated (default P5D).',
  returnShippingWindow:
    'Items rejected, the return not sent after this → the rejection lapses, they are released (default P7D).',
  returnInspectionWindow:
    'Return sent, the seller silent after this → receipt assumed, refunded (default P3D).',
};

export const WindowsSchema = z
  .strictObject(
    Object.fromEntries(
      TIMERS.map((timer) => [
        timer,
        WindowDuration.optional().openapi({ description: windowDescriptions[timer] }),
      ]),
    ) as Record<Timer, z.ZodOptional<typeof WindowDuration>>,
  )
  .openapi('Windows', { example: { paymentWindow: 'PT30M', inspectionWindow: 'P3D' } });

export type WindowsInput = z.infer<typeof WindowsSchema>;

/** Validated durations to milliseconds (the schema already refused anything unparsable). */
export function windowsToMs(windows: WindowsInput | undefined): Partial<Record<Timer, number>> {
  const result: Partial<Record<Timer, number>> = {};
  for (const timer of TIMERS) {
    const text = windows?.[timer];
    if (text === undefined) continue;
    const parsed = parseIsoDuration(text);
    if (parsed.ok) result[timer] = parsed.ms;
  }
  return result;
}

/**
 * An integer query parameter written in digits only. `Number()` would read `?after=` as 0 and
 * `1e3`, ` 5` or `0x10` as numbers; they are refused (422) instead.
 */
export const queryInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, { message: `an integer from ${min} to ${max}, in digits`, abort: true })
    .transform(Number)
    .pipe(z.int().min(min).max(max))
    .openapi({ type: 'integer', minimum: min, maximum: max });

export const PageInfo = {
  nextCursor: z
    .string()
    .nullable()
    .openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
};
