import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { checkoutTotal } from '../../domain/checkout.js';
import type { EscrowTerms } from '../../domain/escrow.js';
import { checkoutEscrowStates, getScopedCheckout } from '../../store/checkouts.js';
import { startCheckout } from '../../workflows/client.js';
import { allow, callingPlatform, scopeOf } from '../access.js';
import { newCheckoutId, newEscrowId } from '../credentials.js';
import { type RouteDeps, withinDeadline } from '../deps.js';
import { validationFailed, validationHook } from '../errors.js';
import { clientIp, collectionTerms } from '../new-escrow.js';
import { bearer } from '../openapi.js';
import { ProblemError } from '../problem.js';
import {
  CheckoutIdParams,
  CheckoutSchema,
  CreateCheckoutBody,
  CreatedCheckoutSchema,
} from '../schemas/checkouts.js';
import { IdempotencyKeyHeader, json, problems } from '../schemas/common.js';
import { itemsToTerms } from '../schemas/items.js';

const create = createRoute({
  method: 'post',
  path: '/v1/checkouts',
  tags: ['Checkouts'],
  summary: 'Create a multi-seller checkout',
  description:
    "One payment for a cart of several sellers: one escrow per seller (each seller's amount is the sum of its items), each with its own shipping, delivery, inspection and dispute timers, reachable by every /v1/escrows/{id} route. The buyer pays the cart total once, through one payment link; unpaid by the end of the payment window, every escrow expires. With an Idempotency-Key, duplicates create one checkout.",
  security: bearer,
  middleware: [allow(['platform'])] as const,
  request: {
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CreateCheckoutBody } } },
  },
  responses: {
    201: json(CreatedCheckoutSchema, 'Created: send the buyer to payment.url'),
    ...problems(400, 401, 403, 409, 413, 415, 422, 503),
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/checkouts/{id}',
  tags: ['Checkouts'],
  summary: 'Get a checkout',
  description: 'The cart, its payment and its escrows as Postgres has them now.',
  security: bearer,
  middleware: [allow(['platform', 'ops'])] as const,
  request: { params: CheckoutIdParams },
  responses: { 200: json(CheckoutSchema, 'The checkout'), ...problems(401, 403, 404, 422, 503) },
});

const checkoutNotFound = (id: string) =>
  new ProblemError(404, 'not-found', 'Checkout not found', `No checkout with id ${id}.`);

/** The rail's limits apply to the cart total, which no field holds: the 422 names the sellers. */
async function totalField<T>(pick: () => Promise<T>): Promise<T> {
  try {
    return await pick();
  } catch (error) {
    const errors = error instanceof ProblemError ? error.extensions.errors : undefined;
    if (!Array.isArray(errors)) throw error;
    throw validationFailed(
      errors.map((e: { field: string; message: string }) =>
        e.field === 'body.amount'
          ? { field: 'body.sellers', message: `the cart total: ${e.message}` }
          : e,
      ),
    );
  }
}

export function checkoutRoutes(deps: RouteDeps) {
  const { sql, temporal, settings, idempotent, currencies } = deps;
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const platformId = callingPlatform(c);
      currencies.assertUsable(body.currency, 'body.currency');
      const sellers = body.sellers.map((seller) => ({
        ...seller,
        amount: checkoutTotal(seller.items),
      }));
      const total = checkoutTotal(sellers);
      const { rail, windows } = await totalField(() =>
        collectionTerms(deps, platformId, body, total),
      );
      const seed = JSON.stringify({
        checkoutId: newCheckoutId(),
        escrowIds: sellers.map(() => newEscrowId()),
      });
      return idempotent(c, { body, seed }, async (claimed) => {
        const ids = JSON.parse(claimed.seed) as { checkoutId: string; escrowIds: string[] };
        const escrows: EscrowTerms[] = sellers.map((seller, index) => ({
          escrowId: ids.escrowIds[index] as string,
          platformId,
          reference: body.reference,
          buyerId: body.buyerId,
          sellerId: seller.sellerId,
          amount: seller.amount,
          currency: body.currency,
          fee: seller.fee ?? 0,
          description: body.description,
          payoutDestination: seller.payoutDestination,
          ...(body.refundDestination === undefined
            ? {}
            : { refundDestination: body.refundDestination }),
          windows,
          latePaymentGrace: settings.latePaymentGraceMs,
          rail,
          items: itemsToTerms(seller.items),
          checkout: { checkoutId: ids.checkoutId },
        }));
        const started = await withinDeadline(deps, () =>
          startCheckout(temporal, settings.taskQueue, {
            checkoutId: ids.checkoutId,
            platformId,
            reference: body.reference,
            buyerId: body.buyerId,
            currency: body.currency,
            rail,
            description: body.description,
            paymentWindow: windows.paymentWindow,
            latePaymentGrace: settings.latePaymentGraceMs,
            escrows,
            returnUrl: body.returnUrl ?? settings.paymentReturnUrl,
            clientIp: body.buyerIp ?? clientIp(c),
          }),
        );
        c.header('Location', `/v1/checkouts/${started.checkoutId}`);
        return c.json(
          {
            id: started.checkoutId,
            payment: { url: started.paymentLink.url, expiresAt: started.paymentLink.expiresAt },
            escrows: started.escrows.map((e) => ({
              id: e.escrowId,
              sellerId: e.sellerId,
              amount: e.amount,
            })),
          },
          201,
        );
      });
    })
    .openapi(get, async (c) => {
      const { id } = c.req.valid('param');
      const checkout = await getScopedCheckout(sql, scopeOf(c.get('principal')), id);
      if (!checkout) throw checkoutNotFound(id);
      const escrows = await checkoutEscrowStates(sql, id);
      return c.json(
        {
          id: checkout.id,
          platformId: checkout.platformId,
          reference: checkout.reference,
          buyerId: checkout.buyerId,
          currency: checkout.currency,
          amount: checkout.amount,
          paymentMethod: checkout.rail,
          status: checkout.status,
          ...(checkout.paymentLink
            ? {
                payment: {
                  url: checkout.paymentLink.url,
                  expiresAt: checkout.paymentLink.expiresAt,
                },
              }
            : {}),
          ...(checkout.paymentTransactionId === null
            ? {}
            : { paymentTransactionId: checkout.paymentTransactionId }),
          createdAt: checkout.createdAt.toISOString(),
          escrows: escrows.map(({ escrowId, ...rest }) => ({ id: escrowId, ...rest })),
        },
        200,
      );
    });
}
