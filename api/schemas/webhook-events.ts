// What a webhook delivery carries (webhooks/event-payload.ts builds the body, webhooks/signing.ts
// the headers), as the OpenAPI document's `webhooks` section publishes it: one entry per event type.
import { z } from '@hono/zod-openapi';
import type { EventType } from '../../domain/events.js';
import { STATUSES } from '../../domain/lifecycle.js';
import { escrowShape } from './escrows.js';

const iso = z.string().openapi({ format: 'date-time', example: '2026-05-01T08:30:00.000Z' });

/** The escrow as the workflow saw it when it recorded the event (after the whole step). */
export const WebhookEscrowSchema = z
  .object({
    ...escrowShape,
    allowedActions: z.array(z.string()).openapi({
      description:
        "The actions the escrow's state allows now, for any role (the reducer's names, e.g. confirmDelivery).",
    }),
  })
  .openapi('WebhookEscrow', {
    description:
      'The escrow as the workflow saw it when recording the event: after the whole step, possibly later (one action’s events all carry the escrow as it stands after it).',
  });

export const WebhookEventDataSchema = z
  .object({
    escrowId: z.string().openapi({ example: 'esc_4f9a1c2b3d4e5f607182' }),
    reference: z.string().openapi({ description: "The platform's own reference of the order." }),
    seq: z.int().openapi({
      description:
        "The event's sequence number in the escrow's timeline (1, 2, …): events of one escrow are delivered in this order.",
    }),
    status: z.enum(STATUSES).openapi({ description: 'The escrow status right after the event.' }),
    details: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The event's own facts (who acted, amounts, items, reason…)." }),
    escrow: WebhookEscrowSchema,
  })
  .openapi('WebhookEventData');

/** The body of a delivery of one event type. */
export const webhookEventSchema = (type: EventType) =>
  z.object({
    id: z.string().openapi({
      description:
        'evt_<escrowId>_<seq>: the same on every retry (also sent as `webhook-id`); deduplicate on it.',
      example: 'evt_esc_4f9a1c2b3d4e5f607182_3',
    }),
    type: z.literal(`escrow.${type}`),
    createdAt: iso.openapi({ description: 'When the event happened.' }),
    data: WebhookEventDataSchema,
  });

/** Standard Webhooks headers of every delivery. */
export const WebhookHeadersSchema = z.object({
  'webhook-id': z.string().openapi({
    description: 'The message id (the event `id`); the same on every retry.',
    example: 'evt_esc_4f9a1c2b3d4e5f607182_3',
  }),
  'webhook-timestamp': z.string().regex(/^\d+$/).openapi({
    description:
      'Unix seconds when this attempt was signed; refuse a message more than 5 minutes away from your clock.',
    example: '1777624200',
  }),
  'webhook-signature': z.string().openapi({
    description:
      "`v1,<base64 HMAC-SHA256>` keyed with the endpoint secret's bytes (after `whsec_`, base64-decoded) over `<webhook-id>.<webhook-timestamp>.<raw body>`; during a secret rotation's overlap two space-separated `v1,` signatures (new, then old): accept when either matches.",
    example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  }),
});
