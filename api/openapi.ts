import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { EVENT_TYPE_NAMES, EVENT_TYPES } from '../domain/events.js';
import { ProblemSchema } from './schemas/common.js';
import { WebhookHeadersSchema, webhookEventSchema } from './schemas/webhook-events.js';

export const BEARER = 'bearerAuth';
/** `security` of a route that needs a credential. */
export const bearer = [{ [BEARER]: [] }];

const DESCRIPTION = `Escrow for e-commerce platforms: create an escrow per order, send the buyer to the payment link, then ship, deliver and accept (or dispute) through these endpoints.

**Credentials** (\`Authorization: Bearer …\`): a platform API key (from \`POST /v1/platforms\`, shown once), the ops key, or a party token (\`POST /v1/escrows/{id}/party-tokens\`) scoped to one escrow and one role. Escrows of other platforms answer 404.

**Idempotency**: every POST accepts \`Idempotency-Key\`; the first response is replayed for 24 h.

**Errors**: \`application/problem+json\` (RFC 9457) with \`type\`, \`title\`, \`status\`, \`detail\`, and \`errors[]\` per field on 422.

**Money**: integers in the currency's minor unit.`;

/** Plain routes (no input) that the document lists too. */
function registerOperationalRoutes(app: OpenAPIHono): void {
  const text = (description: string, contentType: string) => ({
    description,
    content: { [contentType]: { schema: z.string() } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/healthz',
    tags: ['Operations'],
    summary: 'Liveness: the process answers',
    responses: {
      200: {
        description: 'Alive',
        content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
      },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/readyz',
    tags: ['Operations'],
    summary: 'Readiness: Postgres and Temporal reachable',
    responses: {
      200: {
        description: 'Ready',
        content: { 'application/json': { schema: z.object({ status: z.literal('ready') }) } },
      },
      503: {
        description: 'A dependency is unreachable',
        content: { 'application/problem+json': { schema: ProblemSchema } },
      },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: ['Operations'],
    summary:
      'Prometheus metrics: process metrics, requests by route and status, latency histograms, business gauges',
    responses: { 200: text('Prometheus text exposition format 0.0.4', 'text/plain') },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs',
    tags: ['Operations'],
    summary: 'This reference, interactive',
    responses: { 200: text('HTML page', 'text/html') },
  });
}

/**
 * The `webhooks` section: one entry per event type a platform's endpoint may receive
 * (`escrow.<type>`, domain/events.ts), with its body and the Standard Webhooks headers.
 */
function registerWebhooks(app: OpenAPIHono): void {
  for (const type of EVENT_TYPE_NAMES) {
    app.openAPIRegistry.registerWebhook({
      method: 'post',
      path: `escrow.${type}`,
      tags: ['Webhook events'],
      operationId: `webhook_${type}`,
      summary: EVENT_TYPES[type],
      description: `POSTed to each enabled webhook endpoint of the escrow's platform whose \`eventTypes\` is null or includes \`escrow.${type}\`. Verify \`webhook-signature\` over the raw body before parsing it; events of one escrow arrive in \`seq\` order, at least once (deduplicate on \`id\`).`,
      request: {
        headers: WebhookHeadersSchema,
        body: {
          required: true,
          content: { 'application/json': { schema: webhookEventSchema(type) } },
        },
      },
      responses: {
        200: { description: 'Any 2xx acknowledges the event.' },
        410: { description: 'Gone: the endpoint is disabled and gets no further events.' },
        default: {
          description:
            'Anything else (or no answer within the timeout) is retried with backoff for about three days.',
        },
      },
    });
  }
}

/** Serves the OpenAPI 3.1 document generated from the routes' zod schemas. */
export function mountOpenApi(app: OpenAPIHono): void {
  registerOperationalRoutes(app);
  registerWebhooks(app);
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER, {
    type: 'http',
    scheme: 'bearer',
    description: 'Platform API key (sk_…), party token (pt_…) or the ops key.',
  });
  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: { title: 'Escrow Engine API', version: '1.0.0', description: DESCRIPTION },
    servers: [{ url: new URL(c.req.url).origin, description: 'This server' }],
    tags: [
      { name: 'Platforms', description: 'Tenants (ops only).' },
      { name: 'Escrows', description: 'Create, read and list escrows.' },
      {
        name: 'Checkouts',
        description: 'One payment for a multi-seller cart, one escrow per seller.',
      },
      { name: 'Actions', description: 'Move an escrow through its lifecycle.' },
      { name: 'Party tokens', description: 'Short-lived credentials for buyers and sellers.' },
      { name: 'Operations', description: 'Ledger check, health and metrics.' },
      { name: 'Webhooks', description: 'Webhook endpoints and their deliveries.' },
      {
        name: 'Webhook events',
        description:
          'Events POSTed to your webhook endpoints (`POST /v1/webhook-endpoints`), signed per Standard Webhooks.',
      },
    ],
  }));
}
