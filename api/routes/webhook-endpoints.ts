import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import {
  createEndpoint,
  listEndpoints,
  newEndpointId,
  type WebhookEndpoint,
} from '../../webhooks/endpoints.js';
import { allow, callingPlatform } from '../access.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { IdempotencyKeyHeader, json, problems } from '../schemas/common.js';
import {
  CreatedEndpointSchema,
  CreateEndpointBody,
  type Endpoint,
  EndpointListSchema,
} from '../schemas/webhooks.js';

const create = createRoute({
  method: 'post',
  path: '/',
  tags: ['Webhooks'],
  summary: 'Register a webhook endpoint',
  description:
    "Every event of the platform's escrows recorded from now on is POSTed to the URL, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`), at least once, in order per escrow, retried with backoff for about three days. Answer 2xx to acknowledge; 410 Gone disables the endpoint.",
  security: bearer,
  middleware: [allow(['platform'])] as const,
  request: {
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CreateEndpointBody } } },
  },
  responses: {
    201: json(CreatedEndpointSchema, 'Registered'),
    ...problems(400, 401, 403, 409, 413, 415, 422, 503),
  },
});

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['Webhooks'],
  summary: "The platform's webhook endpoints (without secrets)",
  security: bearer,
  middleware: [allow(['platform'])] as const,
  responses: { 200: json(EndpointListSchema, 'Endpoints'), ...problems(401, 403, 503) },
});

const present = (endpoint: WebhookEndpoint): Endpoint => ({
  id: endpoint.id,
  url: endpoint.url,
  enabled: endpoint.enabled,
  disabledAt: endpoint.disabledAt?.toISOString() ?? null,
  disabledReason: endpoint.disabledReason,
  createdAt: endpoint.createdAt.toISOString(),
});

/** `/v1/webhook-endpoints`: a platform registers and lists its own; no one else may. */
export function webhookEndpointRoutes({ sql, idempotent }: RouteDeps) {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const platformId = callingPlatform(c);
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
    .openapi(list, async (c) => {
      const endpoints = await listEndpoints(sql, callingPlatform(c));
      return c.json({ data: endpoints.map(present) }, 200);
    });
}
