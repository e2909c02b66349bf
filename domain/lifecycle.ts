// The escrow lifecycle rules, written once: which action each role may take in which status,
// and which timer runs in which status. The workflow, the API's validators and the generated
// diagram (docs/lifecycle.md) all read these tables. Pure data and functions, no I/O.

export const STATUSES = [
  'awaiting_payment',
  'funded',
  'shipped',
  'delivered',
  'disputed',
  'released',
  'refunded',
  'split',
  'cancelled',
  'expired',
] as const;
export type EscrowStatus = (typeof STATUSES)[number];

export const TERMINAL_STATUSES: readonly EscrowStatus[] = [
  'released',
  'refunded',
  'split',
  'cancelled',
  'expired',
];

export const isTerminal = (status: EscrowStatus): boolean => TERMINAL_STATUSES.includes(status);

export type Role = 'platform' | 'buyer' | 'seller' | 'ops';

export const ACTIONS = [
  'markShipped',
  'markDelivered',
  'accept',
  'extendInspection',
  'openDispute',
  'respondToDispute',
  'resolveDispute',
  'cancel',
  'retryPayout',
  'retryRefund',
] as const;
export type Action = (typeof ACTIONS)[number];

export interface ActionRule {
  /** Statuses in which the action is allowed at all. */
  from: readonly EscrowStatus[];
  /** Who may take it. The platform acts for its buyers and sellers; ops arbitrate. */
  by: readonly Role[];
  /**
   * Where it may lead: one status, several (the outcome decides), or per starting status.
   * `undefined` when it changes progress, not status.
   */
  to?: EscrowStatus | readonly EscrowStatus[] | Partial<Record<EscrowStatus, EscrowStatus>>;
  description: string;
}

export const ACTION_RULES: Record<Action, ActionRule> = {
  markShipped: {
    from: ['funded'],
    by: ['platform', 'seller'],
    to: 'shipped',
    description: 'seller hands the goods to a carrier',
  },
  markDelivered: {
    from: ['shipped'],
    by: ['platform', 'ops'],
    to: 'delivered',
    description: 'carrier reports delivery; the inspection window starts',
  },
  accept: {
    from: ['shipped', 'delivered'],
    by: ['platform', 'buyer'],
    to: 'released',
    description: 'buyer accepts the goods; funds are released now',
  },
  extendInspection: {
    from: ['delivered'],
    by: ['platform', 'buyer'],
    description: 'buyer extends the inspection window, once',
  },
  openDispute: {
    from: ['shipped', 'delivered'],
    by: ['platform', 'buyer'],
    to: 'disputed',
    description: 'buyer disputes; funds are frozen',
  },
  respondToDispute: {
    from: ['disputed'],
    by: ['platform', 'seller'],
    description: 'seller answers the dispute, once',
  },
  resolveDispute: {
    from: ['disputed'],
    by: ['ops'],
    to: ['released', 'refunded', 'split'],
    description: 'arbiter decides: release, refund or split',
  },
  cancel: {
    from: ['awaiting_payment', 'funded'],
    by: ['platform', 'ops'],
    to: { awaiting_payment: 'cancelled', funded: 'refunded' },
    description: 'unpaid: nothing moves; funded but not shipped: full refund',
  },
  retryPayout: {
    from: ['released', 'split'],
    by: ['ops'],
    description: 'ops retry a payout that failed permanently, to a corrected destination',
  },
  retryRefund: {
    // A refund can be queued, and fail, in any status (a stray payment is refunded at once).
    from: STATUSES,
    by: ['ops'],
    description: 'ops retry a refund that failed permanently, optionally with a corrected reason',
  },
};

export const TIMERS = [
  'paymentWindow',
  'shippingWindow',
  'deliveryWindow',
  'inspectionWindow',
  'sellerResponseWindow',
  'opsDecisionSla',
] as const;
export type Timer = (typeof TIMERS)[number];

export interface TimerRule {
  /** The status in which this timer runs; it starts when the escrow enters that status. */
  status: EscrowStatus;
  to?: EscrowStatus;
  description: string;
}

export const TIMER_RULES: Record<Timer, TimerRule> = {
  paymentWindow: {
    status: 'awaiting_payment',
    to: 'expired',
    description: 'unpaid: expires, nothing moves',
  },
  shippingWindow: { status: 'funded', to: 'refunded', description: 'not shipped: full refund' },
  deliveryWindow: {
    status: 'shipped',
    to: 'delivered',
    description: 'no delivery event: treated as delivered, inspection starts',
  },
  inspectionWindow: {
    status: 'delivered',
    to: 'released',
    description: 'buyer silent: automatic release',
  },
  sellerResponseWindow: {
    status: 'disputed',
    to: 'refunded',
    description: 'seller silent: buyer wins, full refund',
  },
  opsDecisionSla: {
    status: 'disputed',
    description: 'no decision in time: flagged for attention, dispute stays open',
  },
};

/** Default durations, in milliseconds; platforms and escrows override them. */
export const DEFAULT_WINDOWS: Record<Timer, number> = {
  paymentWindow: 30 * 60_000,
  shippingWindow: 3 * 86_400_000,
  deliveryWindow: 14 * 86_400_000,
  inspectionWindow: 3 * 86_400_000,
  sellerResponseWindow: 2 * 86_400_000,
  opsDecisionSla: 5 * 86_400_000,
};

/** How long a payment may still arrive after an unpaid escrow ends (it is then refunded). */
export const LATE_PAYMENT_GRACE_MS = 86_400_000;

export const actionsAllowedIn = (status: EscrowStatus, role?: Role): Action[] =>
  ACTIONS.filter((action) => {
    const rule = ACTION_RULES[action];
    return rule.from.includes(status) && (role === undefined || rule.by.includes(role));
  });

/** The statuses an action may lead to from `from` (itself when it changes no status). */
export function targetsOf(action: Action, from: EscrowStatus): EscrowStatus[] {
  const { to } = ACTION_RULES[action];
  if (to === undefined) return [from];
  if (typeof to === 'string') return [to];
  if (Array.isArray(to)) return [...to];
  const target = (to as Partial<Record<EscrowStatus, EscrowStatus>>)[from];
  return target ? [target] : [];
}

export const timersIn = (status: EscrowStatus): Timer[] =>
  TIMERS.filter((timer) => TIMER_RULES[timer].status === status);
