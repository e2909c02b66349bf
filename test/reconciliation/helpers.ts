import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { type ReconciliationDeps, reconcilePass } from '../../activities/reconciliation.js';
import { performAction, queryEscrow } from '../../workflows/client.js';
import type { EscrowStackContext } from '../support/escrow-stack.js';
import { eventLog } from '../support/event-log.js';
import { eventually } from '../support/eventually.js';

/** What the worker's reconciliation activity gets, from this file's stack. */
export const reconciliationDeps = (ctx: EscrowStackContext): ReconciliationDeps => ({
  sql: ctx.db.sql,
  provider: ctx.stack.provider,
  payouts: ctx.stack.payouts,
  listing: ctx.stack.listing,
  temporal: ctx.temporal.client,
  taskQueue: ctx.temporal.taskQueue,
});

/**
 * One pass in this process from `from` to the next whole second (periods are whole seconds:
 * everything made so far is inside), judging everything (no settle lag).
 */
export const passSince = (from: Date, deps: ReconciliationDeps) =>
  reconcilePass(deps, {
    runId: `test:${randomUUID()}`,
    from: from.toISOString(),
    to: new Date(Date.now() + 1_000).toISOString(),
    everyMs: 3_600_000,
    settleLagMs: 0,
  });

/** Until the escrow's event log has an event of this type (its ledger entry is then written). */
export const recorded = (ctx: EscrowStackContext, escrowId: string, type: string) =>
  eventually(async () =>
    expect((await eventLog(ctx.db.sql, escrowId)).map((e) => e.type)).toContain(type),
  );

/** An escrow paid at the sandbox, its IPN delivered and its funding recorded. */
export async function fundedEscrow(ctx: EscrowStackContext) {
  const created = await ctx.stack.create();
  const { transactionNo } = await ctx.stack.pay(created.paymentLink.url);
  await recorded(ctx, created.id, 'payment_confirmed');
  return { id: created.id, transactionNo };
}

/** Shipped, delivered and accepted: released, then paid out (or the payout failed). */
export async function released(ctx: EscrowStackContext, escrowId: string) {
  const client = ctx.temporal.client;
  await performAction(client, escrowId, 'markShipped', {
    role: 'seller',
    carrier: 'GHN',
    trackingNumber: 'GHN1',
  });
  await performAction(client, escrowId, 'markDelivered', { role: 'platform' });
  await performAction(client, escrowId, 'accept', { role: 'buyer' });
}

export const attentionOf = async (ctx: EscrowStackContext, escrowId: string) =>
  (await queryEscrow(ctx.temporal.client, escrowId)).attentionReasons;

/** Arms a sandbox fault (sandbox/faults.ts). */
export async function armFault(ctx: EscrowStackContext, fault: Record<string, unknown>) {
  const response = await fetch(`${ctx.stack.sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  expect(response.status, await response.text()).toBe(201);
}
