import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import {
  combineCheckoutFundings,
  compareMovements,
  type LedgerMovement,
  paymentReference,
  type RailMovement,
  RECONCILIATION_MISMATCH,
  railKeyMovement,
  transactionOfFunding,
} from '../domain/reconciliation.js';
import type { Sql } from '../infra/db.js';
import { railMovementsInPeriod, railMovementsOfEscrows } from '../ledger/rail-movements.js';
import {
  type CollectionListing,
  type PaymentProvider,
  type PayoutProvider,
  PspPermanentError,
  type TransactionStatus,
} from '../psp/types.js';
import {
  checkoutPaymentLinks,
  checkoutsOfEscrows,
  escrowsOfCheckouts,
  getCheckout,
  isCheckoutId,
} from '../store/checkouts.js';
import { escrowCurrencies, paymentLinks } from '../store/escrow-queries.js';
import {
  finishRun,
  lastReconciledUntil,
  markHandled,
  openRun,
  type RunSummary,
  recordMismatches,
  unhandledMismatches,
} from '../store/reconciliation.js';
import { confirmCheckoutPayment, confirmPayment, flagAttention } from '../workflows/client.js';
import type { ProviderForEscrow } from './escrow-providers.js';

export interface ReconciliationDeps {
  sql: Sql;
  /** The rail whose listing `listing` is (VNPay's sandbox). */
  provider: PaymentProvider;
  /** Every enabled collection rail: each escrow's entries are asked of its own; default `[provider]`. */
  providers?: PaymentProvider[] | undefined;
  /** Each escrow's adapter, with its platform's own credentials; default: `providers`' one. */
  providerForEscrow?: ProviderForEscrow | undefined;
  payouts: PayoutProvider;
  /** The collection rail's own records; without one, that rail's rail → ledger side is skipped. */
  listing?: CollectionListing | undefined;
  /** To flag escrows and deliver lost payments; a closed escrow resumes on this task queue. */
  temporal: Client;
  taskQueue: string;
}

export interface ReconcileInput {
  /** The same on a retried activity, so the run is opened once, with its first period. */
  runId: string;
  /** The pass covers [from, to); without `from`, from where the last finished pass ended. */
  from?: string;
  to: string;
  /** How far back a first pass (no finished one before it) reaches. */
  everyMs: number;
  settleLagMs: number;
}

export type ReconcileSummary = RunSummary;

/**
 * One pass: the ledger's movements of the period against the rails' records, both ways, by
 * the keys they share. New mismatches are stored, then each is fixed (a succeeded payment the
 * ledger lacks is delivered to its escrow) or flagged on its escrow for ops.
 */
export async function reconcilePass(
  deps: ReconciliationDeps,
  input: ReconcileInput,
  progress: () => void = () => {},
): Promise<ReconcileSummary> {
  const { sql, provider, providers = [provider], payouts, listing } = deps;
  const to = wholeSecond(new Date(input.to));
  const from = input.from
    ? wholeSecond(new Date(input.from))
    : ((await lastReconciledUntil(sql)) ?? new Date(to.getTime() - input.everyMs));
  const period = await openRun(sql, input.runId, {
    from: new Date(Math.min(from.getTime(), to.getTime())),
    to,
  });
  const settledBefore = new Date(Date.now() - input.settleLagMs);
  const notes: string[] = [];
  const unchecked = new Set<string>();
  const note = (reference: string, why: string) => {
    unchecked.add(reference);
    notes.push(`${reference} not checked at the rail: ${why}`);
  };

  // A checkout's escrows share its one rail payment (and the rail knows their refunds by the
  // checkout's id): their fundings are compared as that one payment, the sum of the shares.
  const periodLedger = await railMovementsInPeriod(sql, period);
  const checkoutOf = await checkoutsOfEscrows(sql, [
    ...new Set(periodLedger.map((l) => l.escrowId)),
  ]);
  const escrowsOf = new Map<string, string[]>();
  const lookedUp = new Map<string, LedgerMovement[]>();
  /** Every entry of these escrows or checkouts (a checkout's: its escrows', fundings combined). */
  const ledgerOf = async (ids: Iterable<string>) => {
    const missing = [...new Set(ids)].filter((id) => !lookedUp.has(id));
    const checkouts = missing.filter(isCheckoutId);
    for (const [checkoutId, escrowIds] of await escrowsOfCheckouts(sql, checkouts)) {
      escrowsOf.set(checkoutId, escrowIds);
      for (const escrowId of escrowIds) checkoutOf.set(escrowId, checkoutId);
    }
    const escrows = [
      ...new Set([
        ...missing.filter((id) => !isCheckoutId(id)),
        ...checkouts.flatMap((id) => escrowsOf.get(id) ?? []),
      ]),
    ].filter((id) => !lookedUp.has(id));
    for (const id of [...missing, ...escrows]) lookedUp.set(id, []);
    const found = await railMovementsOfEscrows(sql, escrows);
    for (const m of found) lookedUp.get(m.escrowId)?.push(m);
    for (const checkoutId of checkouts) {
      const own = (escrowsOf.get(checkoutId) ?? []).flatMap((id) => lookedUp.get(id) ?? []);
      lookedUp.set(
        checkoutId,
        combineCheckoutFundings(own, checkoutOf).filter((m) => m.escrowId === checkoutId),
      );
    }
  };
  // A period's share of a checkout's payment is judged with all the other shares, whenever
  // they were written.
  const periodCheckouts = [
    ...new Set(
      periodLedger.flatMap((l) => {
        const checkoutId = l.movement === 'payment' ? checkoutOf.get(l.escrowId) : undefined;
        return checkoutId === undefined ? [] : [checkoutId];
      }),
    ),
  ];
  await ledgerOf(periodCheckouts);
  const ledger = [
    ...periodLedger.filter((l) => !(l.movement === 'payment' && checkoutOf.has(l.escrowId))),
    ...periodCheckouts.flatMap((id) => lookedUp.get(id) ?? []),
  ];
  /** The order the rail knows an escrow's payment and refunds by: its checkout's, or its own. */
  const orderOf = (escrowId: string) => checkoutOf.get(escrowId) ?? escrowId;

  const rail = new Map<string, RailMovement>();
  const add = (r: RailMovement) => rail.set(r.reference, r);
  for (const p of await payouts.listPayouts(period)) {
    const ref = railKeyMovement(p.idempotencyKey);
    add({
      movement: ref?.movement ?? 'payout',
      escrowId: ref?.escrowId ?? null,
      reference: p.idempotencyKey,
      status: p.status,
      amount: p.amount,
      currency: p.currency,
      at: p.createdAt,
      railId: p.payoutId,
    });
  }
  if (listing) {
    for (const p of await listing.payments(period)) {
      if (p.providerTransactionId === undefined) continue; // opened, never paid: nothing moved
      add({
        movement: 'payment',
        escrowId: p.txnRef,
        reference: paymentReference(p.txnRef, p.providerTransactionId),
        status: p.status,
        amount: p.amount,
        currency: p.currency,
        at: p.at,
        railId: p.providerTransactionId,
      });
    }
    // The rail keeps a refund by its own reference: the ledger's refunds of the escrow say
    // which idempotency key it came from.
    const refunds = await listing.refunds(period);
    await ledgerOf(refunds.map((r) => r.txnRef));
    for (const r of refunds) {
      const candidates = [
        ...ledger,
        ...[r.txnRef, ...(escrowsOf.get(r.txnRef) ?? [])].flatMap((id) => lookedUp.get(id) ?? []),
      ];
      const ours = candidates.find(
        (l) =>
          l.movement === 'refund' &&
          orderOf(l.escrowId) === r.txnRef &&
          listing.refundReference(l.reference) === r.reference,
      );
      add({
        movement: 'refund',
        escrowId: ours?.escrowId ?? r.txnRef,
        reference: ours?.reference ?? `escrow:${r.txnRef}:rail-refund:${r.reference}`,
        status: r.status,
        amount: r.amount,
        currency: r.currency,
        at: r.at,
        railId: r.refundId,
      });
    }
  } else {
    notes.push(
      `payments and refunds: rail → ledger not checked: ${provider.name} lists no records`,
    );
  }

  // Ledger → rail: what no listing showed is asked for by its key.
  const unlisted = ledger.filter((l) => !rail.has(l.reference));
  const unlistedIds = [...new Set(unlisted.map((l) => l.escrowId))];
  const links = new Map([
    ...(await paymentLinks(
      sql,
      unlistedIds.filter((id) => !isCheckoutId(id)),
    )),
    ...(await checkoutPaymentLinks(sql, unlistedIds.filter(isCheckoutId))),
  ]);
  await ledgerOf(unlisted.filter((l) => l.movement === 'refund').map((l) => l.escrowId));
  const transactions = new Map<string, TransactionStatus>();
  for (const l of unlisted) {
    progress();
    try {
      if (l.movement === 'payout') {
        const status = await payouts.getPayout({ idempotencyKey: l.reference });
        if (status.status === 'not_found') continue;
        add({ ...keyed(l), status: status.status, railId: status.payoutId });
        continue;
      }
      const link = links.get(l.escrowId);
      if (!link) {
        note(l.reference, `no payment link date is kept for escrow ${l.escrowId}`);
        continue;
      }
      const transactionDate = link.createdAt;
      const escrowRail = deps.providerForEscrow
        ? await deps.providerForEscrow(l.escrowId, link.rail)
        : providers.find((p) => p.name === link.rail);
      if (!escrowRail) {
        note(l.reference, `escrow ${l.escrowId} was paid through ${link.rail}, not enabled here`);
        continue;
      }
      if (l.movement === 'payment') {
        // VNPay holds one payment per TxnRef: one query answers for every funding of the escrow.
        let tx = transactions.get(l.escrowId);
        if (!tx) {
          tx = await escrowRail.getTransaction({ txnRef: l.escrowId, transactionDate });
          transactions.set(l.escrowId, tx);
        }
        if (tx.status === 'not_found') continue;
        const { providerTransactionId, amount } = tx;
        add({
          movement: 'payment',
          escrowId: l.escrowId,
          // Once refunded, VNPay shows the refund instead: the payment's number and amount are
          // hidden, and the paid TxnRef stands for the entry asked about.
          reference:
            providerTransactionId === undefined
              ? l.reference
              : paymentReference(l.escrowId, providerTransactionId),
          status: tx.status,
          ...(amount === undefined ? {} : { amount }),
          ...(providerTransactionId === undefined ? {} : { railId: providerTransactionId }),
        });
        continue;
      }
      // VNPay holds one payment per TxnRef: the escrow's funding is the payment refunded.
      const funding = (lookedUp.get(l.escrowId) ?? []).find((m) => m.movement === 'payment');
      // A checkout escrow's refund is part of the checkout's one payment: full only if all of it.
      const checkoutId = checkoutOf.get(l.escrowId);
      if (checkoutId !== undefined) await ledgerOf([checkoutId]);
      const paid =
        checkoutId === undefined
          ? funding
          : (lookedUp.get(checkoutId) ?? []).find((m) => m.movement === 'payment');
      const status = await escrowRail.getRefund({
        idempotencyKey: l.reference,
        txnRef: orderOf(l.escrowId),
        providerTransactionId: funding ? transactionOf(funding.reference) : '',
        transactionDate,
        amount: l.amount,
        currency: l.currency,
        full: paid?.amount === l.amount,
        reason: 'reconciliation',
      });
      if (status.status === 'not_found') continue;
      add({
        ...keyed(l),
        status: status.status,
        ...(status.refundId === undefined ? {} : { railId: status.refundId }),
      });
    } catch (error) {
      // A refusal concerns this record only; anything else fails the pass, which is retried
      // (and a later pass starts where the last finished one ended, so nothing is skipped).
      if (!(error instanceof PspPermanentError)) throw error;
      note(l.reference, `${error.code}: ${error.message}`);
    }
  }

  // Rail → ledger: each rail record is looked up among all its escrow's entries, whenever written.
  const inLedger = new Set(ledger.map((l) => l.reference));
  const strays = [...rail.values()].filter((r) => !inLedger.has(r.reference));
  await ledgerOf(strays.flatMap((r) => (r.escrowId === null ? [] : [r.escrowId])));
  const found = strays.flatMap((r) =>
    (r.escrowId === null ? [] : (lookedUp.get(r.escrowId) ?? [])).filter(
      (l) => l.reference === r.reference,
    ),
  );

  const comparison = compareMovements(
    [...ledger.filter((l) => !unchecked.has(l.reference)), ...found],
    [...rail.values()],
    { settledBefore },
  );
  await recordMismatches(sql, input.runId, comparison.mismatches);
  await handleMismatches(deps, progress);
  return finishRun(sql, input.runId, { checked: comparison.checked, notes });
}

/**
 * Rails keep whole seconds (payOS filters its listing by them, VNPay's dates have no more), so
 * periods do too: one pass ends exactly where the next starts, on both sides.
 */
const wholeSecond = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);

/** A rail record found by the ledger entry's own key: same movement, escrow and reference. */
const keyed = ({ movement, escrowId, reference }: LedgerMovement) => ({
  movement,
  escrowId,
  reference,
});

const transactionOf = transactionOfFunding;

/**
 * Fixes or flags every mismatch not handled yet. A succeeded payment the ledger lacks goes to
 * its escrow as the lost callback would have (it funds, or is refunded if the escrow ended);
 * anything else flags the escrow for ops, which records an event and sends its webhook.
 */
async function handleMismatches(
  { sql, temporal, taskQueue }: ReconciliationDeps,
  progress: () => void,
) {
  const pending = await unhandledMismatches(sql);
  const currencies = await escrowCurrencies(
    sql,
    pending.flatMap((m) => (m.escrowId === null ? [] : [m.escrowId])),
  );
  for (const m of pending) {
    progress();
    if (m.escrowId !== null && isCheckoutId(m.escrowId)) {
      await handleCheckoutMismatch({ sql, temporal, taskQueue }, m);
      continue;
    }
    const currency = m.escrowId === null ? undefined : currencies.get(m.escrowId);
    if (m.escrowId === null || currency === undefined) {
      // No escrow to flag: the report is where ops see it.
      await markHandled(sql, m.id, { fixed: false });
      continue;
    }
    const { rail } = m;
    if (
      m.kind === 'missing_in_ledger' &&
      m.movement === 'payment' &&
      rail?.status === 'succeeded' &&
      rail.amount !== undefined &&
      rail.railId !== undefined
    ) {
      await confirmPayment(temporal, taskQueue, m.escrowId, {
        providerTransactionId: rail.railId,
        amount: Number(rail.amount),
        currency: rail.currency ?? currency,
        paidAt: rail.at ?? m.createdAt.toISOString(),
      });
      await markHandled(sql, m.id, { fixed: true });
      continue;
    }
    await flagAttention(temporal, taskQueue, m.escrowId, {
      reason: RECONCILIATION_MISMATCH,
      detail: m.detail,
    });
    await markHandled(sql, m.id, { fixed: false });
  }
}

/**
 * A mismatch on a checkout's one payment: a succeeded payment of the whole cart that the
 * ledger lacks goes to the checkout as its lost callback would have (its escrows funded, or
 * each refunding its share); anything else is for ops, in the report.
 */
async function handleCheckoutMismatch(
  { sql, temporal, taskQueue }: Pick<ReconciliationDeps, 'sql' | 'temporal' | 'taskQueue'>,
  m: Awaited<ReturnType<typeof unhandledMismatches>>[number],
) {
  const checkout = m.escrowId === null ? undefined : await getCheckout(sql, m.escrowId);
  const { rail } = m;
  if (
    checkout &&
    m.kind === 'missing_in_ledger' &&
    m.movement === 'payment' &&
    rail?.status === 'succeeded' &&
    rail.amount !== undefined &&
    BigInt(rail.amount) === BigInt(checkout.amount) &&
    rail.railId !== undefined
  ) {
    await confirmCheckoutPayment(
      temporal,
      taskQueue,
      {
        checkoutId: checkout.id,
        amount: checkout.amount,
        paymentLink: checkout.paymentLink,
        escrows: checkout.escrows,
      },
      {
        providerTransactionId: rail.railId,
        amount: checkout.amount,
        currency: rail.currency ?? checkout.currency,
        paidAt: rail.at ?? m.createdAt.toISOString(),
      },
    );
    await markHandled(sql, m.id, { fixed: true });
    return;
  }
  await markHandled(sql, m.id, { fixed: false });
}

/** Heartbeats per rail call: a pass over a long period is many of them. */
export function createReconciliationActivities(deps: ReconciliationDeps) {
  return {
    reconcile: (input: ReconcileInput): Promise<ReconcileSummary> =>
      reconcilePass(deps, input, () => Context.current().heartbeat()),
  };
}
