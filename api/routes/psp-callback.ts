import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import { DEFAULT_RAIL, RAILS, type Rail } from '../../domain/rails.js';
import type { Sql } from '../../infra/db.js';
import type { Logger } from '../../infra/logger.js';
import type { PlatformProviders } from '../../psp/platform-providers.js';
import { RAIL_REGISTRY } from '../../psp/registry.js';
import type { CallbackOutcome, PaymentProvider } from '../../psp/types.js';
import { type CheckoutRecord, findCheckoutByOrderRef } from '../../store/checkouts.js';
import { findEscrowByOrderRef } from '../../store/escrow-queries.js';
import { confirmCheckoutPayment, confirmPayment } from '../../workflows/client.js';
import { ProblemError } from '../problem.js';

/** What a callback may be about: one escrow, or a checkout whose one payment funds several. */
type Order = {
  id: string;
  platformId: string;
  rail: Rail;
  amount: number;
  currency: string;
  /** The provider transaction that already paid it, if any. */
  paidBy: string | undefined;
} & ({ kind: 'escrow' } | { kind: 'checkout'; checkout: CheckoutRecord });

export interface CallbackDeps {
  sql: Sql;
  temporal: Client;
  logger: Logger;
  providers: PaymentProvider[];
  platformProviders: PlatformProviders;
  /** Where a closed escrow's workflow is started again for a late payment. */
  taskQueue: string;
}

/**
 * `GET|POST /v1/psp/:provider/callback`: the provider's payment notification (IPN). It is
 * verified (signature, escrow, amount, currency) before it may reach a workflow, and answered
 * in the provider's acknowledgement format. Duplicates are harmless: the workflow ignores a
 * transaction it has seen.
 */
export function pspCallbackRoutes({
  sql,
  temporal,
  logger,
  providers,
  platformProviders,
  taskQueue,
}: CallbackDeps): Hono {
  const log = logger.child({ component: 'psp-callback' });
  /**
   * The order a rail's reference names: an escrow, or a multi-seller checkout (whose one
   * payment funds its escrows). Either says its platform, rail, amount and currency.
   */
  const findOrder = async (reference: string): Promise<Order | undefined> => {
    const escrow = await findEscrowByOrderRef(sql, reference);
    if (escrow) {
      return {
        kind: 'escrow',
        id: escrow.id,
        platformId: escrow.platformId,
        rail: escrow.view.paymentMethod ?? DEFAULT_RAIL,
        amount: escrow.view.amount,
        currency: escrow.view.currency,
        paidBy: escrow.view.payment?.providerTransactionId,
      };
    }
    const checkout = await findCheckoutByOrderRef(sql, reference);
    if (!checkout) return undefined;
    return {
      kind: 'checkout',
      id: checkout.id,
      platformId: checkout.platformId,
      rail: checkout.rail,
      amount: checkout.amount,
      currency: checkout.currency,
      paidBy: checkout.paymentTransactionId ?? undefined,
      checkout,
    };
  };
  /** The order's own rail's adapter, with its platform's credentials when it has them. */
  const providerOf = (order: Order | undefined, rail: Rail) =>
    order && order.rail === rail
      ? platformProviders.providerFor(order.platformId, rail)
      : Promise.resolve(providers.find((p) => p.name === rail));
  return new Hono().on(['GET', 'POST'], '/v1/psp/:provider/callback', async (c) => {
    const name = c.req.param('provider');
    const rail = RAILS.find((r) => r === name);
    const request = {
      method: c.req.method,
      query: c.req.query(),
      body: c.req.method === 'POST' ? await c.req.text() : undefined,
    };
    // The escrow the callback claims to be about says whose credentials must have signed it:
    // its platform's own for this rail, else the deployment's.
    const claimedRef = rail && RAIL_REGISTRY[rail].claimedRef(request);
    const claimed = claimedRef ? await findOrder(claimedRef) : undefined;
    const provider = rail && (await providerOf(claimed, rail));
    if (!rail || !provider) {
      throw new ProblemError(
        404,
        'unknown-provider',
        'Unknown provider',
        `No provider named ${c.req.param('provider')}`,
      );
    }
    const answer = (outcome: CallbackOutcome) => {
      const ack = provider.acknowledge(outcome);
      // MoMo's acknowledgement is 204 No Content, which may carry no body at all.
      if (ack.body === null) return c.body(null, ack.status as 204);
      return c.body(JSON.stringify(ack.body), ack.status as 200, {
        'content-type': ack.contentType,
      });
    };
    const verification = provider.verifyCallback(request);
    if (!verification.ok) {
      log.warn({ reason: verification.reason, detail: verification.detail }, 'callback rejected');
      return answer(verification.reason === 'invalid_signature' ? 'invalid_signature' : 'error');
    }
    const { event } = verification;
    const escrow = claimed && claimedRef === event.txnRef ? claimed : await findOrder(event.txnRef);
    // Another rail's escrow is none of this rail's business: it cannot have paid it.
    if (!escrow || escrow.rail !== provider.name) {
      log.warn({ txnRef: event.txnRef, provider: provider.name }, 'callback for an unknown escrow');
      return answer('order_not_found');
    }
    // Signed for one escrow's merchant account, naming another's: not this escrow's credentials.
    if (escrow !== claimed && (await providerOf(escrow, rail)) !== provider) {
      log.warn(
        { escrowId: escrow.id, provider: provider.name },
        'callback signed with other credentials',
      );
      return answer('invalid_signature');
    }
    // A checkout is paid by its cart total, in one payment.
    const { amount, currency } = escrow;
    if (event.amount !== BigInt(amount) || event.currency !== currency) {
      log.warn(
        {
          escrowId: escrow.id,
          expected: `${amount} ${currency}`,
          got: `${event.amount} ${event.currency}`,
        },
        'callback amount or currency mismatch: rejected',
      );
      return answer('invalid_amount');
    }
    if (event.status !== 'succeeded') {
      log.info(
        { escrowId: escrow.id, providerTransactionId: event.providerTransactionId },
        'payment failed at the provider',
      );
      return answer('confirmed');
    }
    if (escrow.paidBy === event.providerTransactionId) {
      return answer('already_confirmed');
    }
    const payment = {
      providerTransactionId: event.providerTransactionId,
      amount: Number(event.amount),
      currency: event.currency,
      paidAt: event.paidAt.toISOString(),
    };
    if (escrow.kind === 'checkout') {
      // To the checkout's workflow; once it has closed, to each escrow with its share, which
      // books it and refunds it as a late payment.
      const { checkout } = escrow;
      const to = await confirmCheckoutPayment(
        temporal,
        taskQueue,
        {
          checkoutId: checkout.id,
          amount: checkout.amount,
          paymentLink: checkout.paymentLink,
          escrows: checkout.escrows,
        },
        payment,
      );
      log.info(
        { checkoutId: checkout.id, providerTransactionId: event.providerTransactionId, to },
        'checkout payment confirmed',
      );
      return answer('confirmed');
    }
    // Also after the workflow has closed: a late payment is then booked and refunded, and the
    // PSP hears success, so it stops retrying.
    await confirmPayment(temporal, taskQueue, escrow.id, payment);
    log.info(
      { escrowId: escrow.id, providerTransactionId: event.providerTransactionId },
      'payment confirmed',
    );
    return answer('confirmed');
  });
}
