import { z } from '@hono/zod-openapi';
import { ISO_DURATION_PATTERN, parseIsoDuration } from '../../domain/durations.js';
import { WEBHOOK_EVENT_TYPES } from '../../domain/events.js';
import { PageInfo, queryInteger, withoutControlChars } from './common.js';

// The host is checked by the URL check itself: a refinement would run on unparsable input.
const EndpointUrl = withoutControlChars(
  z
    .url({ protocol: /^https?$/, hostname: /^.+$/, error: 'expected an http or https URL' })
    .max(2048),
).openapi({
  description:
    'Where events are POSTed: http or https (production: https only). Refused (422) when its host is, or resolves to, a link-local or cloud metadata address, and in production a loopback, private (RFC 1918, ULA) or CGNAT one; each delivery checks the address it connects to again.',
  example: 'https://shop.example.com/hooks/escrow',
});

const EventTypes = z
  .array(
    z.enum(WEBHOOK_EVENT_TYPES, {
      error:
        'not an event type: one of the webhooks of the OpenAPI document, such as escrow.shipped',
    }),
  )
  .min(1)
  .max(100)
  .nullable()
  .openapi({
    description:
      'Only these event types are sent (the `type` of each event: `escrow.funds_released`, …; every one is listed under `webhooks` in this document); null or absent: every event.',
    example: ['escrow.payment_confirmed', 'escrow.shipped', 'escrow.funds_released'],
  });

export const CreateEndpointBody = z
  .strictObject({ url: EndpointUrl, eventTypes: EventTypes.optional() })
  .openapi('CreateWebhookEndpoint', {
    example: { url: 'https://shop.example.com/hooks/escrow' },
  });

export const UpdateEndpointBody = z
  .strictObject({ url: EndpointUrl.optional(), eventTypes: EventTypes.optional() })
  .refine((b) => b.url !== undefined || b.eventTypes !== undefined, {
    message: 'send url, eventTypes or both',
  })
  .openapi('UpdateWebhookEndpoint', {
    example: {
      url: 'https://shop.example.com/hooks/escrow-v2',
      eventTypes: ['escrow.payment_confirmed', 'escrow.shipped'],
    },
  });

const MAX_OVERLAP_MS = 7 * 86_400_000;

export const RotateSecretBody = z
  .strictObject({
    overlap: z
      .string()
      .max(40)
      .default('P1D')
      .superRefine((text, ctx) => {
        const parsed = parseIsoDuration(text);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
        else if (parsed.ms > MAX_OVERLAP_MS) {
          ctx.addIssue({ code: 'custom', message: `${text}: an overlap lasts at most P7D` });
        }
      })
      .openapi({
        description:
          'ISO 8601 duration, PT0S to P7D (default P1D): how long deliveries also carry a signature with the previous secret, so receivers can switch at their pace. PT0S: the old secret stops at once.',
        pattern: ISO_DURATION_PATTERN.source,
        example: 'PT24H',
      }),
  })
  .openapi('RotateWebhookSecret', { example: { overlap: 'PT24H' } });

export const EndpointIdParams = z.object({
  id: withoutControlChars(z.string().min(1).max(64)).openapi({
    param: { name: 'id', in: 'path' },
    example: 'we_5b0e7c1d2a3f4b6c8d9e0f1a',
  }),
});

export const EndpointSchema = z
  .object({
    id: z.string().openapi({ example: 'we_5b0e7c1d2a3f4b6c8d9e0f1a' }),
    url: z.string().openapi({ example: 'https://shop.example.com/hooks/escrow' }),
    enabled: z.boolean().openapi({
      description: 'false once disabled (`POST …/disable`) or after it answered 410 Gone.',
    }),
    disabledAt: z.string().nullable(),
    disabledReason: z.string().nullable(),
    eventTypes: z.array(z.string()).nullable().openapi({ description: 'null: every event type.' }),
    previousSecretExpiresAt: z.string().nullable().openapi({
      description: 'During a rotation overlap: when the previous secret stops signing.',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('WebhookEndpoint');

export const RotatedSecretSchema = z
  .object({
    id: z.string().openapi({ example: 'we_5b0e7c1d2a3f4b6c8d9e0f1a' }),
    secret: z.string().openapi({
      description:
        'The new signing secret, shown only in this response and its replays (same Idempotency-Key).',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }),
    previousSecretExpiresAt: z.string().nullable().openapi({
      description: 'Until then each delivery is signed with both secrets; null: no overlap.',
    }),
  })
  .openapi('RotatedWebhookSecret');

export const TestEventResultSchema = z
  .object({
    eventId: z.string().openapi({ example: 'evt_test_6f1e2d3c4b5a69788796' }),
    type: z.literal('webhook.test'),
    succeeded: z.boolean().openapi({ description: 'The endpoint answered 2xx.' }),
    statusCode: z.int().nullable().openapi({ description: 'null: no HTTP answer (see error).' }),
    durationMs: z.int(),
    error: z.string().nullable(),
    responseExcerpt: z.string().nullable(),
  })
  .openapi('WebhookTestResult');

export type Endpoint = z.infer<typeof EndpointSchema>;

export const EndpointListSchema = z.object({ data: z.array(EndpointSchema) });

export const CreatedEndpointSchema = z
  .object({
    id: z.string().openapi({ example: 'we_5b0e7c1d2a3f4b6c8d9e0f1a' }),
    url: z.string(),
    eventTypes: z.array(z.string()).nullable(),
    secret: z.string().openapi({
      description:
        'Signing secret (Standard Webhooks: `whsec_` + base64 key). Shown only in this response and in its replays (same Idempotency-Key, 24 h); the list of endpoints never shows it.',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }),
    enabled: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('CreatedWebhookEndpoint');

const AttemptSchema = z
  .object({
    attempt: z.int(),
    startedAt: z.string(),
    durationMs: z.int().nullable(),
    statusCode: z.int().nullable().openapi({ description: 'null: no HTTP answer (see error).' }),
    error: z.string().nullable(),
    responseExcerpt: z.string().nullable().openapi({ description: 'First bytes of the answer.' }),
  })
  .openapi('WebhookAttempt');

export const DeliverySchema = z
  .object({
    id: z.string().openapi({ example: 'whd_3f2a9c0d4b5e4f6a8b7c9d0e1f2a3b4c' }),
    endpointId: z.string(),
    url: z.string(),
    eventId: z.string().openapi({
      description: 'The `webhook-id` header: the same on every attempt; deduplicate on it.',
      example: 'evt_esc_4f9a1c2b3d4e5f607182_3',
    }),
    eventType: z.string().openapi({ example: 'escrow.shipped' }),
    escrowId: z.string(),
    seq: z.int().openapi({ description: "The event's position in its escrow's timeline." }),
    status: z.enum(['pending', 'delivering', 'succeeded', 'failed']).openapi({
      description:
        'pending: waiting for its (next) attempt; delivering: an attempt is in flight; succeeded: answered 2xx; failed: given up after the retry schedule, or the endpoint was disabled.',
    }),
    attempts: z.int(),
    nextAttemptAt: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    lastStatusCode: z.int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    succeededAt: z.string().nullable(),
    failedAt: z.string().nullable(),
    history: z.array(AttemptSchema),
  })
  .openapi('WebhookDelivery');

export const DeliveryListSchema = z.object({ data: z.array(DeliverySchema), ...PageInfo });

export const ListDeliveriesQuery = z.strictObject({
  escrowId: withoutControlChars(z.string().min(1).max(100))
    .optional()
    .openapi({ param: { name: 'escrowId', in: 'query' }, example: 'esc_4f9a1c2b3d4e5f607182' }),
  limit: queryInteger(1, 100)
    .default(20)
    .openapi({ param: { name: 'limit', in: 'query' }, example: 20 }),
  cursor: z
    .string()
    // A delivery position (a Postgres bigint); 18 digits keep every match within its range.
    .regex(/^[1-9]\d{0,17}$/, 'use the nextCursor of the previous page')
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' } }),
});

export const DeliveryIdParams = z.object({
  id: withoutControlChars(z.string().min(1).max(64)).openapi({
    param: { name: 'id', in: 'path' },
    example: 'whd_3f2a9c0d4b5e4f6a8b7c9d0e1f2a3b4c',
  }),
});
