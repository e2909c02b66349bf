import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { Sql } from '../../infra/db.js';
import {
  type DeliveryScope,
  findDelivery,
  listDeliveries,
  redeliver,
} from '../../webhooks/deliveries.js';
import { createEndpoint, listEndpoints } from '../../webhooks/endpoints.js';
import type { Principal } from '../principal.js';
import { ProblemError } from '../problem.js';

export interface WebhookRouteDeps {
  sql: Sql;
}

const MAX_BODY_BYTES = 16 * 1024;

export const createEndpointBody = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'expected an http or https URL' })
    .max(2048)
    .refine((url) => new URL(url).hostname.length > 0, 'expected a host')
    .describe('Where events are POSTed; http or https.'),
});

const listDeliveriesQuery = z.strictObject({
  escrowId: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,18}$/, 'use the nextCursor of the previous page')
    .optional(),
});

/**
 * Webhook endpoints and deliveries. A platform sees and manages its own; ops may read and
 * redeliver any platform's deliveries; party tokens may do none of it.
 */
export function webhookRoutes({ sql }: WebhookRouteDeps): Hono {
  return new Hono()
    .post('/v1/webhook-endpoints', async (c) => {
      const platformId = requirePlatform(c);
      const { url } = parse(createEndpointBody, await readJson(c));
      const endpoint = await createEndpoint(sql, platformId, url);
      c.header('location', `/v1/webhook-endpoints/${endpoint.id}`);
      return c.json(
        {
          id: endpoint.id,
          url: endpoint.url,
          // Shown this once: receivers verify signatures with it.
          secret: endpoint.secret,
          enabled: endpoint.enabled,
          createdAt: endpoint.createdAt.toISOString(),
        },
        201,
      );
    })
    .get('/v1/webhook-endpoints', async (c) => {
      const platformId = requirePlatform(c);
      const endpoints = await listEndpoints(sql, platformId);
      return c.json({
        data: endpoints.map((e) => ({
          id: e.id,
          url: e.url,
          enabled: e.enabled,
          disabledAt: e.disabledAt?.toISOString() ?? null,
          disabledReason: e.disabledReason,
          createdAt: e.createdAt.toISOString(),
        })),
      });
    })
    .get('/v1/webhook-deliveries', async (c) => {
      const scope = deliveryScope(c);
      const query = parse(listDeliveriesQuery, c.req.query());
      const page = await listDeliveries(sql, {
        scope,
        limit: query.limit,
        ...(query.escrowId === undefined ? {} : { escrowId: query.escrowId }),
        ...(query.cursor === undefined ? {} : { before: BigInt(query.cursor) }),
      });
      return c.json({
        data: page.deliveries,
        nextCursor: page.nextBefore === null ? null : String(page.nextBefore),
      });
    })
    .get('/v1/webhook-deliveries/:id', async (c) => {
      const delivery = await findDelivery(sql, c.req.param('id'), deliveryScope(c));
      if (!delivery) throw notFound(c.req.param('id'));
      return c.json(delivery);
    })
    .post('/v1/webhook-deliveries/:id/redeliver', async (c) => {
      const id = c.req.param('id');
      const result = await redeliver(sql, id, deliveryScope(c));
      if (result.ok) return c.json(result.delivery, 202);
      if (result.reason === 'not_found') throw notFound(id);
      if (result.reason === 'in_flight') {
        throw new ProblemError(
          409,
          'delivery-in-flight',
          'Delivery in flight',
          `Delivery ${id} is being attempted right now; redeliver it once the attempt has finished.`,
        );
      }
      throw new ProblemError(
        409,
        'endpoint-disabled',
        'Endpoint disabled',
        `The endpoint of delivery ${id} is disabled (it answered 410 Gone); register it again to receive events.`,
      );
    });
}

function principalOf(c: Context): Principal {
  const principal = c.get('principal') as Principal | undefined;
  if (!principal) {
    throw new ProblemError(
      401,
      'unauthorized',
      'Unauthorized',
      'Send Authorization: Bearer <API key>.',
    );
  }
  return principal;
}

function forbidden(): ProblemError {
  return new ProblemError(
    403,
    'forbidden',
    'Forbidden',
    'Webhook endpoints and deliveries are managed with the platform API key.',
  );
}

function requirePlatform(c: Context): string {
  const principal = principalOf(c);
  if (principal.kind !== 'platform') throw forbidden();
  return principal.platformId;
}

function deliveryScope(c: Context): DeliveryScope {
  const principal = principalOf(c);
  if (principal.kind === 'platform') return { platformId: principal.platformId };
  if (principal.kind === 'ops') return { allPlatforms: true };
  throw forbidden();
}

const notFound = (id: string) =>
  new ProblemError(404, 'not-found', 'Not found', `No webhook delivery ${id}.`);

async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new ProblemError(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      'Send the body as application/json.',
    );
  }
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    throw new ProblemError(
      413,
      'payload-too-large',
      'Payload too large',
      `Bodies are limited to ${MAX_BODY_BYTES} bytes.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ProblemError(400, 'malformed-json', 'Malformed JSON', 'The body is not valid JSON.');
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ProblemError(
    422,
    'validation',
    'Invalid request',
    'Some fields are invalid; see errors.',
    {
      errors: result.error.issues.map((issue) => ({
        field:
          issue.path.length > 0
            ? issue.path.join('.')
            : issue.code === 'unrecognized_keys'
              ? issue.keys.join(',')
              : '',
        message: issue.message,
      })),
    },
  );
}
