import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import { DEFAULT_RAIL, RAILS, type Rail } from '../../domain/rails.js';
import type { Sql } from '../../infra/db.js';
import type { Logger } from '../../infra/logger.js';
import type { PlatformProviders } from '../../psp/platform-providers.js';
import { RAIL_REGISTRY } from '../../psp/registry.js';
import type { CallbackOutcome, PaymentProvider } from '../../psp/types.js';
import type { EscrowRecord } from '../../store/escrow-queries.js';
import { findEscrowByOrderRef } from '../../store/escrow-queries.js';
import { confirmPayment } from '../../workflows/client.js';
import { ProblemError } from '../problem.js';

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
  /** The escrow's own rail's adapter, with its platform's credentials when it has them. */
  const providerOf = (escrow: EscrowRecord | undefined, rail: Rail) =>
    escrow && (escrow.view.paymentMethod ?? DEFAULT_RAIL) === rail
      ? platformProviders.providerFor(escrow.platformId, rail)
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
    const claimed = claimedRef ? await findEscrowByOrderRef(sql, claimedRef) : undefined;
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
    const escrow =
      claimed && claimedRef === event.txnRef
        ? claimed
        : await findEscrowByOrderRef(sql, event.txnRef);
    // Another rail's escrow is none of this rail's business: it cannot have paid it.
    if (!escrow || (escrow.view.paymentMethod ?? DEFAULT_RAIL) !== provider.name) {
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
    const { amount, currency } = escrow.view;
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
    if (escrow.view.payment?.providerTransactionId === event.providerTransactionId) {
      return answer('already_confirmed');
    }
    // Also after the workflow has closed: a late payment is then booked and refunded, and the
    // PSP hears success, so it stops retrying.
    await confirmPayment(temporal, taskQueue, escrow.id, {
      providerTransactionId: event.providerTransactionId,
      amount: Number(event.amount),
      currency: event.currency,
      paidAt: event.paidAt.toISOString(),
    });
    log.info(
      { escrowId: escrow.id, providerTransactionId: event.providerTransactionId },
      'payment confirmed',
    );
    return answer('confirmed');
  });
}
