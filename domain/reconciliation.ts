// Reconciliation's rules, pure: which ledger entry and which rail record are the same money
// movement, and when the two disagree. The activity gathers both sides; this decides.

/** Money crossing a rail: the buyer's payment in, a refund back to the buyer, a seller payout. */
export type Movement = 'payment' | 'refund' | 'payout';
export type LedgerPhase = 'pending' | 'posted' | 'voided';
export type RailStatus = 'pending' | 'succeeded' | 'failed';
export type MismatchKind =
  | 'missing_in_ledger'
  | 'missing_at_rail'
  | 'amount_differs'
  | 'status_differs';

export interface LedgerSide {
  phase: LedgerPhase;
  amount: bigint;
  currency: string;
  /** When the entry was written (a pending one: when it was reserved). */
  at: Date;
}

export interface RailSide {
  status: RailStatus;
  /** Unknown when the rail's status query does not say (payout and refund status). */
  amount?: bigint;
  currency?: string;
  /** When the rail created or decided it, when it says. */
  at?: Date;
  /** The rail's own id: VNPay's transaction number, the payout id, the refund id. */
  railId?: string;
}

/**
 * `reference` joins the two sides: for a payment the ledger's funding key
 * (`escrow:<id>:funding:<providerTransactionId>`), for a payout or a refund the idempotency key
 * the rail got (`escrow:<id>:payout:<attempt>`, `escrow:<id>:refund:<refundId>[:<attempt>]`).
 */
export interface LedgerMovement extends LedgerSide {
  movement: Movement;
  escrowId: string;
  reference: string;
}

export interface RailMovement extends RailSide {
  movement: Movement;
  /** Null for a record whose key is not one of ours. */
  escrowId: string | null;
  reference: string;
}

export interface Mismatch {
  kind: MismatchKind;
  movement: Movement;
  reference: string;
  escrowId: string | null;
  ledger: LedgerSide | null;
  rail: RailSide | null;
  detail: string;
}

export interface Comparison {
  /** Distinct movements compared. */
  checked: number;
  mismatches: Mismatch[];
}

/**
 * Every movement on either side, joined by reference. `settledBefore` (now minus the settle
 * lag) keeps in-flight work out: a pending entry or a rail record younger than that may still
 * be catching up on the other side, so it is not judged yet.
 */
export function compareMovements(
  ledger: readonly LedgerMovement[],
  rail: readonly RailMovement[],
  { settledBefore }: { settledBefore: Date },
): Comparison {
  const byReference = new Map<string, { ledger?: LedgerMovement; rail?: RailMovement }>();
  for (const l of ledger) byReference.set(l.reference, { ledger: l });
  for (const r of rail) {
    const pair = byReference.get(r.reference);
    if (pair) pair.rail = r;
    else byReference.set(r.reference, { rail: r });
  }
  const mismatches: Mismatch[] = [];
  for (const [reference, pair] of byReference) {
    const l = pair.ledger;
    const r = pair.rail;
    const movement = (l ?? r)?.movement ?? 'payment';
    const found = (kind: MismatchKind, detail: string) =>
      mismatches.push({
        kind,
        movement,
        reference,
        escrowId: l?.escrowId ?? r?.escrowId ?? null,
        ledger: l ? ledgerSide(l) : null,
        rail: r ? railSide(r) : null,
        detail: `${movement} ${reference}: ${detail}`,
      });
    const young = (at: Date | undefined) => at !== undefined && at >= settledBefore;

    if (l && !r) {
      // A voided entry moved nothing, so the rail need not know it (refused before sending).
      if (l.phase === 'voided' || (l.phase === 'pending' && young(l.at))) continue;
      found('missing_at_rail', `the ledger has it ${l.phase} (${money(l)}), the rail does not`);
      continue;
    }
    if (r && !l) {
      if (!moneyMoves(movement, r.status) || young(r.at)) continue;
      found('missing_in_ledger', `the rail has it ${r.status} (${money(r)}), the ledger does not`);
      continue;
    }
    if (!l || !r) continue;
    if (
      (r.amount !== undefined && r.amount !== l.amount) ||
      (r.currency !== undefined && r.currency !== l.currency)
    ) {
      found('amount_differs', `the ledger has ${money(l)}, the rail ${money(r)}`);
    }
    if (statusDiffers(l, r.status, settledBefore)) {
      found('status_differs', `the ledger has it ${l.phase}, the rail ${r.status}`);
    }
  }
  return { checked: byReference.size, mismatches };
}

/** An unpaid or declined payment moved nothing; a pending payout or refund may still pay. */
const moneyMoves = (movement: Movement, status: RailStatus): boolean =>
  status === 'succeeded' || (status === 'pending' && movement !== 'payment');

function statusDiffers(l: LedgerMovement, status: RailStatus, settledBefore: Date): boolean {
  switch (l.phase) {
    case 'posted':
      return status === 'failed';
    case 'voided':
      return status === 'succeeded';
    case 'pending':
      return status !== 'pending' && l.at < settledBefore;
  }
}

const money = (side: { amount?: bigint; currency?: string }) =>
  side.amount === undefined ? 'amount unknown' : `${side.amount} ${side.currency ?? ''}`.trim();

const ledgerSide = ({ phase, amount, currency, at }: LedgerMovement): LedgerSide => ({
  phase,
  amount,
  currency,
  at,
});

const railSide = ({ movement: _m, escrowId: _e, reference: _r, ...side }: RailMovement): RailSide =>
  side;

// The keys, as ledger/escrow-movements.ts writes them to the ledger and workflows/escrow.ts
// sends them to the rail. Escrow ids never contain a colon (they are VNPay TxnRefs).
const LEDGER_KEY = /^escrow:([^:]+):(funding|payout|refund-payout):(.+)$/;
const RAIL_KEY = /^escrow:([^:]+):(payout|refund):(.+)$/;

export interface MovementRef {
  movement: Movement;
  escrowId: string;
  reference: string;
}

/**
 * The movement a ledger entry key stands for, and its reference. A refund's ledger entry
 * (`…:refund-payout:<refundId>[:<attempt>]`) names its rail request `…:refund:<refundId>[:<attempt>]`.
 */
export function ledgerKeyMovement(key: string): MovementRef | undefined {
  const match = LEDGER_KEY.exec(key);
  if (!match) return undefined;
  const [, escrowId = '', step, rest = ''] = match;
  if (step === 'funding') return { movement: 'payment', escrowId, reference: key };
  if (step === 'payout') return { movement: 'payout', escrowId, reference: key };
  return { movement: 'refund', escrowId, reference: `escrow:${escrowId}:refund:${rest}` };
}

/** The movement a rail's idempotency key stands for (a payout rail also carries refunds). */
export function railKeyMovement(key: string): MovementRef | undefined {
  const match = RAIL_KEY.exec(key);
  if (!match) return undefined;
  const [, escrowId = '', step] = match;
  return { movement: step === 'payout' ? 'payout' : 'refund', escrowId, reference: key };
}

/** A payment's reference: the key of the funding entry the ledger writes for it. */
export const paymentReference = (escrowId: string, providerTransactionId: string): string =>
  `escrow:${escrowId}:funding:${providerTransactionId}`;

/** The reason reconciliation flags an escrow with (it lands in `attentionReasons`). */
export const RECONCILIATION_MISMATCH = 'reconciliation_mismatch';

/**
 * A checkout's one rail payment funds several escrows, each with a funding entry for its share
 * under the same provider transaction id. For the comparison they are that one payment: the
 * entries of escrows in `checkoutOf` (escrow id → checkout id) become one movement per checkout
 * and transaction, named as the rail names it (`escrow:<checkout id>:funding:<transaction>`),
 * whose amount is the sum of the shares. Posted only when every share is; pending while one is;
 * voided when all are. Every other movement passes through unchanged.
 */
export function combineCheckoutFundings(
  ledger: readonly LedgerMovement[],
  checkoutOf: ReadonlyMap<string, string>,
): LedgerMovement[] {
  const combined = new Map<string, LedgerMovement & { phases: Set<LedgerPhase> }>();
  const rest: LedgerMovement[] = [];
  for (const l of ledger) {
    const checkoutId = l.movement === 'payment' ? checkoutOf.get(l.escrowId) : undefined;
    if (checkoutId === undefined) {
      rest.push(l);
      continue;
    }
    const reference = paymentReference(checkoutId, transactionOfFunding(l.reference));
    const sum = combined.get(reference);
    if (!sum) {
      combined.set(reference, {
        ...l,
        amount: l.phase === 'voided' ? 0n : l.amount,
        escrowId: checkoutId,
        reference,
        phases: new Set([l.phase]),
      });
      continue;
    }
    if (l.phase !== 'voided') sum.amount += l.amount;
    sum.phases.add(l.phase);
    if (l.at > sum.at) sum.at = l.at;
  }
  const payments = [...combined.values()].map(({ phases, ...m }) => ({
    ...m,
    phase: phases.has('pending')
      ? ('pending' as const)
      : phases.has('posted')
        ? ('posted' as const)
        : ('voided' as const),
  }));
  return [...rest, ...payments];
}

/** The provider transaction id at the end of a funding key. */
export const transactionOfFunding = (fundingReference: string): string =>
  fundingReference.slice(fundingReference.indexOf(':funding:') + ':funding:'.length);
