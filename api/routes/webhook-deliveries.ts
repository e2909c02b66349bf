import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  type DeliveryScope,
  findDelivery,
  listDeliveries,
  redeliver,
} from '../../webhooks/deliveries.js';
import { allow, scopeOf } from '../access.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { IdempotencyKeyHeader, json, problem, problems } from '../schemas/common.js';
import {
  DeliveryIdParams,
  DeliveryListSchema,
  DeliverySchema,
  ListDeliveriesQuery,
} from '../schemas/webhooks.js';

const notFound = problem(404, 'No such delivery (or not yours)');

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['Webhooks'],
  summary: 'Webhook deliveries, newest first, with every attempt',
  description: "A platform sees its own deliveries; the ops key sees every platform's.",
  security: bearer,
  middleware: [allow(['platform', 'ops'])] as const,
  request: { query: ListDeliveriesQuery },
  responses: {
    200: json(DeliveryListSchema, 'A page of deliveries'),
    ...problems(401, 403, 422, 503),
  },
});

const get = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['Webhooks'],
  summary: 'One webhook delivery with every attempt',
  security: bearer,
  middleware: [allow(['platform', 'ops'])] as const,
  request: { params: DeliveryIdParams },
  responses: {
    200: json(DeliverySchema, 'The delivery'),
    ...problems(401, 403, 422, 503),
    404: notFound,
  },
});

const redeliverRoute = createRoute({
  method: 'post',
  path: '/{id}/redeliver',
  tags: ['Webhooks'],
  summary: 'Send a delivery again now',
  description:
    'Queues the delivery again, due now, with a fresh retry schedule: after it succeeded, was given up, or while it waits for a retry. Same event, same `webhook-id`.',
  security: bearer,
  middleware: [allow(['platform', 'ops'])] as const,
  request: { headers: IdempotencyKeyHeader, params: DeliveryIdParams },
  responses: {
    202: json(DeliverySchema, 'Queued'),
    ...problems(400, 401, 403, 422, 503),
    404: notFound,
    409: problem(
      409,
      'An attempt is in flight right now, the endpoint is disabled, or the same Idempotency-Key is in flight',
    ),
  },
});

/** The tenant scope in the shape webhooks/deliveries.ts reads: one platform, or all (ops). */
function deliveryScope(c: Context): DeliveryScope {
  const { platformId } = scopeOf(c.get('principal'));
  return platformId === null ? { allPlatforms: true } : { platformId };
}

const deliveryNotFound = (id: string) =>
  new ProblemError(404, 'not-found', 'Delivery not found', `No webhook delivery with id ${id}.`);

const inFlight = (id: string) =>
  new ProblemError(
    409,
    'delivery-in-flight',
    'Delivery in flight',
    `An attempt of delivery ${id} is in flight; redeliver it once it has finished.`,
  );

const endpointDisabled = (id: string) =>
  new ProblemError(
    409,
    'endpoint-disabled',
    'Endpoint disabled',
    `The endpoint of delivery ${id} was disabled after answering 410 Gone; register it again to receive events.`,
  );

/**
 * `/v1/webhook-deliveries`: a platform reads and redelivers its own deliveries, the ops key any
 * platform's; party tokens none.
 */
export function webhookDeliveryRoutes({ sql, idempotent }: RouteDeps) {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(list, async (c) => {
      const query = c.req.valid('query');
      const page = await listDeliveries(sql, {
        scope: deliveryScope(c),
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
    .openapi(get, async (c) => {
      const { id } = c.req.valid('param');
      const delivery = await findDelivery(sql, id, deliveryScope(c));
      if (!delivery) throw deliveryNotFound(id);
      return c.json(delivery, 200);
    })
    .openapi(redeliverRoute, async (c) => {
      const { id } = c.req.valid('param');
      return idempotent(c, { body: { redeliver: id } }, async () => {
        const result = await redeliver(sql, id, deliveryScope(c));
        if (result.ok) return c.json(result.delivery, 202);
        if (result.reason === 'not_found') throw deliveryNotFound(id);
        throw result.reason === 'in_flight' ? inFlight(id) : endpointDisabled(id);
      });
    });
}
