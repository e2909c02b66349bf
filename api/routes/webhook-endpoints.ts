import { randomBytes } from 'node:crypto';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { parseIsoDuration } from '../../domain/durations.js';
import {
  createEndpoint,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  newEndpointId,
  rotateSecret,
  setEndpointEnabled,
  signingSecrets,
  updateEndpoint,
  type WebhookEndpoint,
} from '../../webhooks/endpoints.js';
import { sendWebhook } from '../../webhooks/send.js';
import { generateSecret } from '../../webhooks/signing.js';
import { urlRefusal } from '../../webhooks/url-guard.js';
import { allow, callingPlatform } from '../access.js';
import type { RouteDeps } from '../deps.js';
import { validationFailed, validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { IdempotencyKeyHeader, json, problem, problems } from '../schemas/common.js';
import {
  CreatedEndpointSchema,
  CreateEndpointBody,
  type Endpoint,
  EndpointIdParams,
  EndpointListSchema,
  EndpointSchema,
  RotatedSecretSchema,
  RotateSecretBody,
  TestEventResultSchema,
  UpdateEndpointBody,
} from '../schemas/webhooks.js';

const PLATFORM = allow(['platform']);
const notFound = problem(404, 'No such webhook endpoint (or not yours)');

const create = createRoute({
  method: 'post',
  path: '/',
  tags: ['Webhooks'],
  summary: 'Register a webhook endpoint',
  description:
    "Every event of the platform's escrows recorded from now on (of `eventTypes`, when given) is POSTed to the URL, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`; during a secret rotation's overlap two space-separated `v1,` signatures), at least once, in order per escrow, retried with backoff for about three days. Answer 2xx to acknowledge; 410 Gone disables the endpoint. URLs that reach link-local or cloud metadata addresses are refused, and in production also http, loopback and private addresses.",
  security: bearer,
  middleware: [PLATFORM] as const,
  request: {
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CreateEndpointBody } } },
  },
  responses: {
    201: json(CreatedEndpointSchema, 'Registered'),
    ...problems(400, 401, 403, 409, 413, 415, 422, 429, 503),
  },
});

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['Webhooks'],
  summary: "The platform's webhook endpoints (without secrets)",
  security: bearer,
  middleware: [PLATFORM] as const,
  responses: { 200: json(EndpointListSchema, 'Endpoints'), ...problems(401, 403, 429, 503) },
});

const get = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['Webhooks'],
  summary: 'One webhook endpoint (without its secret)',
  security: bearer,
  middleware: [PLATFORM] as const,
  request: { params: EndpointIdParams },
  responses: {
    200: json(EndpointSchema, 'The endpoint'),
    ...problems(401, 403, 422, 429, 503),
    404: notFound,
  },
});

const update = createRoute({
  method: 'patch',
  path: '/{id}',
  tags: ['Webhooks'],
  summary: "Change a webhook endpoint's URL or event types",
  description:
    'A new URL is checked as at registration; events recorded from then on go there. `eventTypes: null` sends every event type again. Queued deliveries keep going to the endpoint (at its new URL).',
  security: bearer,
  middleware: [PLATFORM] as const,
  request: {
    params: EndpointIdParams,
    body: { required: true, content: { 'application/json': { schema: UpdateEndpointBody } } },
  },
  responses: {
    200: json(EndpointSchema, 'Changed'),
    ...problems(400, 401, 403, 413, 415, 422, 429, 503),
    404: notFound,
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/{id}',
  tags: ['Webhooks'],
  summary: 'Delete a webhook endpoint',
  description:
    'No more events are sent to it; its queued deliveries are given up. Past deliveries stay listed under `/v1/webhook-deliveries`.',
  security: bearer,
  middleware: [PLATFORM] as const,
  request: { params: EndpointIdParams },
  responses: {
    204: { description: 'Deleted' },
    ...problems(401, 403, 422, 429, 503),
    404: notFound,
  },
});

const toggle = (action: 'disable' | 'enable') =>
  createRoute({
    method: 'post',
    path: `/{id}/${action}`,
    tags: ['Webhooks'],
    summary:
      action === 'disable' ? 'Disable a webhook endpoint' : 'Enable a webhook endpoint again',
    description:
      action === 'disable'
        ? 'Events recorded while disabled are not sent to it, and its queued deliveries are given up (redeliver them later if needed). Idempotent.'
        : 'Also after it answered 410 Gone. Events recorded from now on are sent; deliveries given up meanwhile can be sent again with `POST /v1/webhook-deliveries/{id}/redeliver`. Idempotent.',
    security: bearer,
    middleware: [PLATFORM] as const,
    request: { params: EndpointIdParams, headers: IdempotencyKeyHeader },
    responses: {
      200: json(EndpointSchema, action === 'disable' ? 'Disabled' : 'Enabled'),
      ...problems(400, 401, 403, 409, 422, 429, 503),
      404: notFound,
    },
  });

const sendTest = createRoute({
  method: 'post',
  path: '/{id}/test',
  tags: ['Webhooks'],
  summary: 'Send a test event now',
  description:
    'POSTs one `webhook.test` event (signed like every delivery, with both secrets during a rotation overlap) to the endpoint now, enabled or not, and answers with what the endpoint answered. It is not queued nor retried, and not listed among deliveries.',
  security: bearer,
  middleware: [PLATFORM] as const,
  request: { params: EndpointIdParams, headers: IdempotencyKeyHeader },
  responses: {
    200: json(TestEventResultSchema, 'Sent; `succeeded` says whether it answered 2xx'),
    ...problems(400, 401, 403, 409, 422, 429, 503),
    404: notFound,
  },
});

const rotate = createRoute({
  method: 'post',
  path: '/{id}/rotate-secret',
  tags: ['Webhooks'],
  summary: "Rotate a webhook endpoint's signing secret",
  description:
    'Makes a new secret and returns it. For `overlap` each delivery carries two `v1,` signatures in `webhook-signature` (the new secret first, then the previous), so a receiver that knows either accepts it; after it, only the new one. Rotating again during an overlap ends the older secret at once.',
  security: bearer,
  middleware: [PLATFORM] as const,
  request: {
    params: EndpointIdParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: RotateSecretBody } } },
  },
  responses: {
    200: json(RotatedSecretSchema, 'Rotated'),
    ...problems(400, 401, 403, 409, 413, 415, 422, 429, 503),
    404: notFound,
  },
});

const iso = (d: Date | null) => d?.toISOString() ?? null;
const present = (endpoint: WebhookEndpoint): Endpoint => ({
  id: endpoint.id,
  url: endpoint.url,
  enabled: endpoint.enabled,
  disabledAt: iso(endpoint.disabledAt),
  disabledReason: endpoint.disabledReason,
  eventTypes: endpoint.eventTypes,
  previousSecretExpiresAt: iso(endpoint.previousSecretExpiresAt),
  createdAt: endpoint.createdAt.toISOString(),
  updatedAt: endpoint.updatedAt.toISOString(),
});

const endpointNotFound = (id: string) =>
  new ProblemError(404, 'not-found', 'Webhook endpoint not found', `No webhook endpoint ${id}.`);

/** `/v1/webhook-endpoints`: a platform manages its own; no one else may. */
export function webhookEndpointRoutes({ sql, idempotent, settings }: RouteDeps) {
  const policy = settings.webhookUrlPolicy;
  /** 422 on `body.url` when the URL may not receive webhooks here. */
  const checkUrl = async (url: string) => {
    const refusal = await urlRefusal(url, policy);
    if (refusal) throw validationFailed([{ field: 'body.url', message: `refused: ${refusal}` }]);
  };
  const found = <T>(id: string, value: T | undefined): T => {
    if (value === undefined) throw endpointNotFound(id);
    return value;
  };

  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const platformId = callingPlatform(c);
      await checkUrl(body.url);
      return idempotent(c, { body, seed: newEndpointId() }, async ({ seed }) => {
        const endpoint = await createEndpoint(
          sql,
          platformId,
          body.url,
          seed,
          body.eventTypes ?? null,
        );
        c.header('location', `/v1/webhook-endpoints/${endpoint.id}`);
        return c.json(
          {
            id: endpoint.id,
            url: endpoint.url,
            eventTypes: endpoint.eventTypes,
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
    })
    .openapi(get, async (c) => {
      const { id } = c.req.valid('param');
      return c.json(present(found(id, await findEndpoint(sql, callingPlatform(c), id))), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const platformId = callingPlatform(c);
      found(id, await findEndpoint(sql, platformId, id));
      if (body.url !== undefined) await checkUrl(body.url);
      const changes = {
        ...(body.url !== undefined ? { url: body.url } : {}),
        ...(body.eventTypes !== undefined ? { eventTypes: body.eventTypes } : {}),
      };
      return c.json(present(found(id, await updateEndpoint(sql, platformId, id, changes))), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deleteEndpoint(sql, callingPlatform(c), id))) throw endpointNotFound(id);
      return c.body(null, 204);
    })
    .openapi(toggle('disable'), async (c) => {
      const { id } = c.req.valid('param');
      const platformId = callingPlatform(c);
      return idempotent(c, { body: { id, enabled: false } }, async () =>
        c.json(present(found(id, await setEndpointEnabled(sql, platformId, id, false))), 200),
      );
    })
    .openapi(toggle('enable'), async (c) => {
      const { id } = c.req.valid('param');
      const platformId = callingPlatform(c);
      return idempotent(c, { body: { id, enabled: true } }, async () =>
        c.json(present(found(id, await setEndpointEnabled(sql, platformId, id, true))), 200),
      );
    })
    .openapi(sendTest, async (c) => {
      const { id } = c.req.valid('param');
      const platformId = callingPlatform(c);
      const endpoint = found(id, await findEndpoint(sql, platformId, id));
      const eventId = `evt_test_${randomBytes(10).toString('hex')}`;
      return idempotent(c, { body: { id } }, async () => {
        const secrets = found(id, await signingSecrets(sql, platformId, id));
        const payload = {
          id: eventId,
          type: 'webhook.test' as const,
          createdAt: new Date().toISOString(),
          data: { endpointId: id, message: 'A test event: no escrow changed.' },
        };
        const result = await sendWebhook({
          url: endpoint.url,
          secret: secrets,
          id: eventId,
          body: JSON.stringify(payload),
          timeoutMs: settings.webhookTimeoutMs,
          urlPolicy: policy,
        });
        const ok =
          result.statusCode !== undefined && result.statusCode < 300 && result.statusCode >= 200;
        return c.json(
          {
            eventId,
            type: 'webhook.test' as const,
            succeeded: ok,
            statusCode: result.statusCode ?? null,
            durationMs: result.durationMs,
            error: result.error ?? (ok ? null : `endpoint answered HTTP ${result.statusCode}`),
            responseExcerpt: result.responseExcerpt ?? null,
          },
          200,
        );
      });
    })
    .openapi(rotate, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const platformId = callingPlatform(c);
      found(id, await findEndpoint(sql, platformId, id));
      const overlap = parseIsoDuration(body.overlap);
      const overlapMs = overlap.ok ? overlap.ms : 0;
      return idempotent(c, { body, seed: generateSecret() }, async ({ seed }) => {
        const rotated = found(id, await rotateSecret(sql, platformId, id, seed, overlapMs));
        return c.json(
          {
            id,
            secret: rotated.secret,
            previousSecretExpiresAt: iso(rotated.previousSecretExpiresAt),
          },
          200,
        );
      });
    });
}
