import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { Sql } from '../../infra/db.js';
import {
  type DeliveryScope,
  findDelivery,
  listDeliveries,
  redeliver,
} from '../../webhooks/deliveries.js';
import { createEndpoint, listEndpoints, newEndpointId } from '../../webhooks/endpoints.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import type { Principal } from '../principal.js';
import { ProblemError } from '../problem.js';
import {
  IdempotencyKeyHeader,
  ProblemSchema,
  problems,
  queryInteger,
  withoutControlChars,
} from '../schemas/common.js';

/** Same shape as the app's Idempotency-Key wrapper (api/idempotency.ts), used when given. */
type Idempotent = <T extends Response>(
  c: Context,
  options: { body: unknown; seed?: string; redact?: (body: unknown) => unknown },
  run: (attempt: { seed: string }) => Promise<T>,
) => Promise<T>;

export interface WebhookRouteDeps {
  sql: Sql;
  /** Stripe-style Idempotency-Key handling for the POSTs; without it they simply run. */
  idempotent?: Idempotent;
}

const MAX_BODY_BYTES = 16 * 1024;
const security = bearer;

// ---- Schemas (they are the OpenAPI document too) ----

const CreateEndpointBody = z
  .strictObject({
    // The host is checked by the URL check itself: a refinement would run on unparsable input.
    url: withoutControlChars(
      z
        .url({ protocol: /^https?$/, hostname: /^.+$/, error: 'expected an http or https URL' })
        .max(2048),
    ).openapi({
      description: 'Where events are POSTed (http or https).',
      example: 'https://shop.example.com/hooks/escrow',
    }),
  })
  .openapi('CreateWebhookEndpoint', {
    example: { url: 'https://shop.example.com/hooks/escrow' },
  });

const EndpointSchema = z
  .object({
    id: z.string().openapi({ example: 'we_5b0e7c1d2a3f4b6c8d9e0f1a' }),
    url: z.string().openapi({ example: 'https://shop.example.com/hooks/escrow' }),
    enabled: z.boolean().openapi({ description: 'false once the endpoint answered 410 Gone.' }),
    disabledAt: z.string().nullable(),
    disabledReason: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('WebhookEndpoint');

const CreatedEndpointSchema = z
  .object({
    id: z.string().openapi({ example: 'we_5b0e7c1d2a3f4b6c8d9e0f1a' }),
    url: z.string(),
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

const DeliverySchema = z
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

const ListDeliveriesQuery = z.strictObject({
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

const DeliveryIdParams = z.object({
  id: withoutControlChars(z.string().min(1).max(64)).openapi({
    param: { name: 'id', in: 'path' },
    example: 'whd_3f2a9c0d4b5e4f6a8b7c9d0e1f2a3b4c',
  }),
});

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});
const authProblems = {
  401: problem('No credential, or not a valid one'),
  403: problem('Not a platform API key (or, where noted, the ops key)'),
  ...problems(503),
};

// ---- Routes ----

const createEndpointRoute = createRoute({
  method: 'post',
  path: '/v1/webhook-endpoints',
  tags: ['Webhooks'],
  summary: 'Register a webhook endpoint',
  description:
    "Every event of the platform's escrows recorded from now on is POSTed to the URL, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`), at least once, in order per escrow, retried with backoff for about three days. Answer 2xx to acknowledge; 410 Gone disables the endpoint.",
  security,
  middleware: [allow('platform'), jsonBody()] as const,
  request: {
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CreateEndpointBody } } },
  },
  responses: {
    201: {
      description: 'Registered',
      content: { 'application/json': { schema: CreatedEndpointSchema } },
    },
    400: problem(
      'Malformed JSON, or an Idempotency-Key that is not 1 to 255 printable ASCII characters',
    ),
    ...authProblems,
    413: problem('Body too large'),
    415: problem('Body is not application/json'),
    422: problem('Invalid fields'),
  },
});

const listEndpointsRoute = createRoute({
  method: 'get',
  path: '/v1/webhook-endpoints',
  tags: ['Webhooks'],
  summary: "The platform's webhook endpoints (without secrets)",
  security,
  middleware: [allow('platform')] as const,
  responses: {
    200: {
      description: 'Endpoints',
      content: { 'application/json': { schema: z.object({ data: z.array(EndpointSchema) }) } },
    },
    ...authProblems,
  },
});

const listDeliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/webhook-deliveries',
  tags: ['Webhooks'],
  summary: 'Webhook deliveries, newest first, with every attempt',
  description: "A platform sees its own deliveries; the ops key sees every platform's.",
  security,
  middleware: [allow('platform', 'ops')] as const,
  request: { query: ListDeliveriesQuery },
  responses: {
    200: {
      description: 'A page of deliveries',
      content: {
        'application/json': {
          schema: z.object({
            data: z.array(DeliverySchema),
            nextCursor: z
              .string()
              .nullable()
              .openapi({ description: 'Pass as `cursor` for the next page; null on the last.' }),
          }),
        },
      },
    },
    ...authProblems,
    422: problem('Invalid query parameters'),
  },
});

const getDeliveryRoute = createRoute({
  method: 'get',
  path: '/v1/webhook-deliveries/{id}',
  tags: ['Webhooks'],
  summary: 'One webhook delivery with every attempt',
  security,
  middleware: [allow('platform', 'ops')] as const,
  request: { params: DeliveryIdParams },
  responses: {
    200: {
      description: 'The delivery',
      content: { 'application/json': { schema: DeliverySchema } },
    },
    ...authProblems,
    404: problem('No such delivery (or not yours)'),
    422: problem('The id is longer than 64 characters'),
  },
});

const redeliverRoute = createRoute({
  method: 'post',
  path: '/v1/webhook-deliveries/{id}/redeliver',
  tags: ['Webhooks'],
  summary: 'Send a delivery again now',
  description:
    'Queues the delivery again, due now, with a fresh retry schedule: after it succeeded, was given up, or while it waits for a retry. Same event, same `webhook-id`.',
  security,
  middleware: [allow('platform', 'ops')] as const,
  request: { headers: IdempotencyKeyHeader, params: DeliveryIdParams },
  responses: {
    202: { description: 'Queued', content: { 'application/json': { schema: DeliverySchema } } },
    ...authProblems,
    400: problem('An Idempotency-Key that is not 1 to 255 printable ASCII characters'),
    404: problem('No such delivery (or not yours)'),
    409: problem('An attempt is in flight right now, or the endpoint is disabled'),
    422: problem('The id is longer than 64 characters'),
  },
});

/**
 * Webhook endpoints and deliveries. A platform registers and reads its own; the ops key may read
 * and redeliver any platform's deliveries; party tokens may do none of it.
 */
export function webhookRoutes({ sql, idempotent = runOnce }: WebhookRouteDeps): OpenAPIHono {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(createEndpointRoute, async (c) => {
      const body = c.req.valid('json');
      const platformId = platformOf(c);
      return idempotent(c, { body, seed: newEndpointId() }, async ({ seed }) => {
        const endpoint = await createEndpoint(sql, platformId, body.url, seed);
        c.header('location', `/v1/webhook-endpoints/${endpoint.id}`);
        return c.json(
          {
            id: endpoint.id,
            url: endpoint.url,
            secret: endpoint.secret,
            enabled: endpoint.enabled,
            createdAt: endpoint.createdAt.toISOString(),
          },
          201,
        );
      });
    })
    .openapi(listEndpointsRoute, async (c) => {
      const endpoints = await listEndpoints(sql, platformOf(c));
      return c.json(
        {
          data: endpoints.map((e) => ({
            id: e.id,
            url: e.url,
            enabled: e.enabled,
            disabledAt: e.disabledAt?.toISOString() ?? null,
            disabledReason: e.disabledReason,
            createdAt: e.createdAt.toISOString(),
          })),
        },
        200,
      );
    })
    .openapi(listDeliveriesRoute, async (c) => {
      const query = c.req.valid('query');
      const page = await listDeliveries(sql, {
        scope: scopeOf(c),
        limit: query.limit,
        ...(query.escrowId === undefined ? {} : { escrowId: query.escrowId }),
        ...(query.cursor === undefined ? {} : { before: BigInt(query.cursor) }),
      });
      return c.json(
        {
          data: page.deliveries,
          nextCursor: page.nextBefore === null ? null : String(page.nextBefore),
        },
        200,
      );
    })
    .openapi(getDeliveryRoute, async (c) => {
      const { id } = c.req.valid('param');
      const delivery = await findDelivery(sql, id, scopeOf(c));
      if (!delivery) throw deliveryNotFound(id);
      return c.json(delivery, 200);
    })
    .openapi(redeliverRoute, async (c) => {
      const { id } = c.req.valid('param');
      return idempotent(c, { body: { redeliver: id } }, async () => {
        const result = await redeliver(sql, id, scopeOf(c));
        if (result.ok) return c.json(result.delivery, 202);
        if (result.reason === 'not_found') throw deliveryNotFound(id);
        if (result.reason === 'in_flight') {
          throw new ProblemError(
            409,
            'delivery-in-flight',
            'Delivery in flight',
            `An attempt of delivery ${id} is in flight; redeliver it once it has finished.`,
          );
        }
        throw new ProblemError(
          409,
          'endpoint-disabled',
          'Endpoint disabled',
          `The endpoint of delivery ${id} was disabled after answering 410 Gone; register it again to receive events.`,
        );
      });
    });
}

const runOnce: Idempotent = (_c, _options, run) => run({ seed: newEndpointId() });

const deliveryNotFound = (id: string) =>
  new ProblemError(404, 'not-found', 'Delivery not found', `No webhook delivery with id ${id}.`);

// ---- Access and input checks ----

const KIND_NAMES: Record<Principal['kind'], string> = {
  platform: 'a platform API key',
  ops: 'the ops key',
  party: 'a party token',
};

/** Before any input is read: 401 without a principal, 403 for the wrong kind. */
function allow(...kinds: Array<'platform' | 'ops'>): MiddlewareHandler {
  return async (c, next) => {
    const principal = c.get('principal') as Principal | undefined;
    if (!principal) {
      throw new ProblemError(
        401,
        'unauthorized',
        'Unauthorized',
        'Send Authorization: Bearer <API key>.',
      );
    }
    if (!(kinds as string[]).includes(principal.kind)) {
      throw new ProblemError(
        403,
        'forbidden',
        'Forbidden',
        `${KIND_NAMES[principal.kind]} may not call ${c.req.method} ${c.req.path}; allowed: ${kinds
          .map((k) => KIND_NAMES[k])
          .join(', ')}.`,
      );
    }
    await next();
  };
}

function platformOf(c: Context): string {
  const principal = c.get('principal');
  if (principal.kind !== 'platform') throw new Error('route allowed a non-platform principal');
  return principal.platformId;
}

function scopeOf(c: Context): DeliveryScope {
  const principal = c.get('principal');
  if (principal.kind === 'platform') return { platformId: principal.platformId };
  if (principal.kind === 'ops') return { allPlatforms: true };
  throw new Error('route allowed a party principal');
}

/** 415 unless JSON, 413 when too large, 400 when not parseable: before schema validation. */
function jsonBody(): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
      throw new ProblemError(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        'Send the request body as application/json.',
      );
    }
    const text = await c.req.text();
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
      throw new ProblemError(
        413,
        'payload-too-large',
        'Payload too large',
        `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
      );
    }
    try {
      JSON.parse(text);
    } catch {
      throw new ProblemError(
        400,
        'malformed-request',
        'Malformed request',
        'The request body is not valid JSON.',
      );
    }
    await next();
  };
}
