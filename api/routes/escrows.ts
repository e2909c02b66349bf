import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { EscrowTerms } from '../../domain/escrow.js';
import { listEscrowEvents, listScopedEscrows } from '../../store/escrow-queries.js';
import { startEscrow } from '../../workflows/client.js';
import { allow, callingPlatform, scopeOf, visibleEscrow } from '../access.js';
import { newEscrowId } from '../credentials.js';
import { type RouteDeps, withinDeadline } from '../deps.js';
import { validationHook } from '../errors.js';
import { clientIp, collectionTerms } from '../new-escrow.js';
import { bearer } from '../openapi.js';
import { encodeCursor, presentEscrow, presentEvent } from '../presenters.js';
import { roleOf } from '../principal.js';
import { EscrowIdParams, IdempotencyKeyHeader, json, problems } from '../schemas/common.js';
import {
  CreatedEscrowSchema,
  CreateEscrowBody,
  EscrowEventListSchema,
  EscrowListSchema,
  EscrowSchema,
  EventsQuery,
  ListEscrowsQuery,
} from '../schemas/escrows.js';
import { itemsToTerms } from '../schemas/items.js';

const create = createRoute({
  method: 'post',
  path: '/v1/escrows',
  tags: ['Escrows'],
  summary: 'Create an escrow',
  description:
    'Starts the escrow for one order and returns it with the payment link for the buyer. The escrow id is generated here; status, fee accounting and everything else the engine owns cannot be set. With an Idempotency-Key, duplicates (even concurrent) create one escrow and one payment.',
  security: bearer,
  middleware: [allow(['platform'])] as const,
  request: {
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CreateEscrowBody } } },
  },
  responses: {
    201: json(CreatedEscrowSchema, 'Created: send the buyer to payment.url'),
    ...problems(400, 401, 403, 409, 413, 415, 422, 503),
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/escrows/{id}',
  tags: ['Escrows'],
  summary: 'Get an escrow',
  security: bearer,
  middleware: [allow(['platform', 'ops', 'buyer', 'seller'])] as const,
  request: { params: EscrowIdParams },
  responses: { 200: json(EscrowSchema, 'The escrow'), ...problems(401, 404, 422, 503) },
});

const list = createRoute({
  method: 'get',
  path: '/v1/escrows',
  tags: ['Escrows'],
  summary: 'List escrows',
  description: 'Newest first, filtered, `limit` at a time; follow `nextCursor` for more.',
  security: bearer,
  middleware: [allow(['platform', 'ops'])] as const,
  request: { query: ListEscrowsQuery },
  responses: { 200: json(EscrowListSchema, 'One page'), ...problems(401, 403, 422, 503) },
});

const events = createRoute({
  method: 'get',
  path: '/v1/escrows/{id}/events',
  tags: ['Escrows'],
  summary: "An escrow's events, in order",
  security: bearer,
  middleware: [allow(['platform', 'ops', 'buyer', 'seller'])] as const,
  request: { params: EscrowIdParams, query: EventsQuery },
  responses: {
    200: json(EscrowEventListSchema, 'Events after `after`'),
    ...problems(401, 404, 422, 503),
  },
});

export function escrowRoutes(deps: RouteDeps) {
  const { sql, temporal, settings, idempotent, currencies } = deps;
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const platformId = callingPlatform(c);
      currencies.assertUsable(body.currency, 'body.currency');
      const { rail, windows } = await collectionTerms(deps, platformId, body, body.amount);
      return idempotent(c, { body, seed: newEscrowId() }, async ({ seed }) => {
        const terms: EscrowTerms = {
          escrowId: seed,
          platformId,
          reference: body.reference,
          buyerId: body.buyerId,
          sellerId: body.sellerId,
          amount: body.amount,
          currency: body.currency,
          fee: body.fee ?? 0,
          description: body.description,
          payoutDestination: body.payoutDestination,
          ...(body.refundDestination === undefined
            ? {}
            : { refundDestination: body.refundDestination }),
          ...(body.items === undefined ? {} : { items: itemsToTerms(body.items) }),
          ...(body.release === undefined ? {} : { release: body.release }),
          windows,
          latePaymentGrace: settings.latePaymentGraceMs,
          rail,
        };
        const { paymentLink, ...view } = await withinDeadline(deps, () =>
          startEscrow(temporal, settings.taskQueue, {
            terms,
            returnUrl: body.returnUrl ?? settings.paymentReturnUrl,
            clientIp: body.buyerIp ?? clientIp(c),
          }),
        );
        c.header('Location', `/v1/escrows/${view.id}`);
        return c.json(
          {
            ...presentEscrow(view, 'platform'),
            payment: { url: paymentLink.url, expiresAt: paymentLink.expiresAt },
          },
          201,
        );
      });
    })
    .openapi(get, async (c) => {
      const escrow = await visibleEscrow(c, sql, c.req.valid('param').id);
      return c.json(presentEscrow(escrow.view, roleOf(c.get('principal'))), 200);
    })
    .openapi(list, async (c) => {
      const query = c.req.valid('query');
      const principal = c.get('principal');
      const page = await listScopedEscrows(sql, {
        ...scopeOf(principal),
        status: query.status,
        buyerId: query.buyerId,
        sellerId: query.sellerId,
        reference: query.reference,
        limit: query.limit,
        after: query.cursor,
      });
      const last = page.items.at(-1);
      return c.json(
        {
          data: page.items.map((item) => presentEscrow(item.view, roleOf(principal))),
          nextCursor: page.hasMore && last ? encodeCursor(last.position) : null,
        },
        200,
      );
    })
    .openapi(events, async (c) => {
      const { id } = c.req.valid('param');
      const { after, limit } = c.req.valid('query');
      await visibleEscrow(c, sql, id);
      const page = await listEscrowEvents(sql, id, { afterSeq: after, limit });
      const last = page.items.at(-1);
      return c.json(
        {
          data: page.items.map(presentEvent),
          nextCursor: page.hasMore && last ? String(last.seq) : null,
        },
        200,
      );
    });
}
