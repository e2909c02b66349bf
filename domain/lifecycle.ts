// The escrow lifecycle rules, written once: which action each role may take in which status,
// and which timer runs in which status. The workflow, the API's validators and the generated
// diagram (docs/lifecycle.md) all read these tables. Pure data and functions, no I/O.

export const STATUSES = [
  'awaiting_payment',
  'funded',
  'shipped',
  'delivered',
  'disputed',
  'returning',
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

/**
 * Each line of an order has its own status: it is inspected, disputed, returned and settled on
 * its own. The escrow's status follows from its items once they are delivered
 * (`escrowStatusOf` in domain/items.ts).
 */
export const ITEM_STATUSES = [
  'awaiting',
  'in_progress',
  'inspecting',
  'disputed',
  'rejected',
  'returning',
  'released',
  'refunded',
  'split',
  'cancelled',
] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const TERMINAL_ITEM_STATUSES: readonly ItemStatus[] = [
  'released',
  'refunded',
  'split',
  'cancelled',
];

export const ITEM_STATUS_MEANING: Record<ItemStatus, string> = {
  awaiting: 'not delivered yet (a later milestone: not started)',
  in_progress: 'the milestone being worked on',
  inspecting: 'delivered; the buyer inspects it until its inspection window ends',
  disputed: 'frozen by a dispute',
  rejected: 'the buyer rejected it and is to send it back',
  returning: 'sent back; the seller is to confirm receipt',
  released: 'paid to the seller',
  refunded: 'refunded to the buyer',
  split: 'partly paid to the seller, partly refunded',
  cancelled: 'never funded',
};

export type ReleaseMode = 'together' | 'milestones';

/** Item moves that no action or item timer makes: they follow from what the escrow does. */
export const ITEM_FOLLOWS: ReadonlyArray<{
  from: readonly ItemStatus[];
  to: ItemStatus;
  when: string;
}> = [
  {
    from: ['awaiting'],
    to: 'in_progress',
    when: 'milestones: the escrow is funded, or the milestone before is settled',
  },
  { from: ['awaiting'], to: 'cancelled', when: 'the escrow is cancelled or expires unpaid' },
  {
    from: ['awaiting', 'in_progress'],
    to: 'refunded',
    when: 'cancelled after funding, or the shipping window passes',
  },
  {
    from: ['inspecting', 'awaiting'],
    to: 'disputed',
    when: 'a partly disputed item: the rest of it is released, the disputed part stays',
  },
];

export const ACTIONS = [
  'markShipped',
  'markDelivered',
  'accept',
  'extendInspection',
  'deliverMilestone',
  'openDispute',
  'respondToDispute',
  'resolveDispute',
  'reject',
  'markReturnShipped',
  'confirmReturn',
  'disputeReturn',
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
  to?:
    | EscrowStatus
    | readonly EscrowStatus[]
    | Partial<Record<EscrowStatus, EscrowStatus | readonly EscrowStatus[]>>;
  /** Release modes it belongs to; both when absent. */
  modes?: readonly ReleaseMode[];
  /**
   * For an action on items: the item statuses it applies to and, per status, where the item
   * goes. It acts on the items named, or on every item in one of these statuses.
   */
  items?: Partial<Record<ItemStatus, ItemStatus | readonly ItemStatus[]>>;
  /** Whether it needs an open dispute (true) or none open (false); either when absent. */
  dispute?: boolean;
  description: string;
}

// Where an item's money may end when a decision splits it.
const SETTLED: readonly ItemStatus[] = ['released', 'refunded', 'split'];

export const ACTION_RULES: Record<Action, ActionRule> = {
  markShipped: {
    from: ['funded'],
    by: ['platform', 'seller'],
    to: 'shipped',
    modes: ['together'],
    description: 'seller hands the goods to a carrier',
  },
  markDelivered: {
    from: ['shipped'],
    by: ['platform', 'ops'],
    to: 'delivered',
    modes: ['together'],
    items: { awaiting: 'inspecting' },
    description: "carrier reports delivery; each item's inspection window starts",
  },
  accept: {
    from: ['shipped', 'delivered', 'disputed', 'returning'],
    by: ['platform', 'buyer'],
    to: 'released',
    items: { awaiting: 'released', in_progress: 'released', inspecting: 'released' },
    description:
      'buyer accepts the items named (all when none are named; a milestone early); their money is released now',
  },
  extendInspection: {
    from: ['delivered'],
    by: ['platform', 'buyer'],
    items: { inspecting: 'inspecting' },
    description: 'buyer extends the inspection window of every item under inspection, once',
  },
  deliverMilestone: {
    from: ['funded'],
    by: ['platform', 'seller'],
    to: 'delivered',
    modes: ['milestones'],
    items: { in_progress: 'inspecting' },
    description: 'seller delivers the current milestone; its inspection window starts',
  },
  openDispute: {
    from: ['shipped', 'delivered', 'disputed', 'returning'],
    by: ['platform', 'buyer'],
    to: 'disputed',
    items: { awaiting: 'disputed', inspecting: 'disputed' },
    dispute: false,
    description:
      'buyer disputes the items named, or an amount, or everything; only that part is frozen',
  },
  respondToDispute: {
    from: ['shipped', 'delivered', 'disputed', 'returning'],
    by: ['platform', 'seller'],
    dispute: true,
    description: 'seller answers the dispute, once',
  },
  resolveDispute: {
    from: ['shipped', 'delivered', 'disputed', 'returning'],
    by: ['ops'],
    to: ['released', 'refunded', 'split'],
    items: { disputed: SETTLED },
    dispute: true,
    description: 'arbiter decides the disputed part: release, refund or split',
  },
  reject: {
    from: ['delivered', 'disputed', 'returning'],
    by: ['platform', 'buyer'],
    to: 'returning',
    items: { inspecting: 'rejected' },
    description:
      'buyer rejects the items named (all under inspection when none are named) and is to send them back',
  },
  markReturnShipped: {
    from: ['delivered', 'disputed', 'returning'],
    by: ['platform', 'buyer'],
    items: { rejected: 'returning' },
    description: 'buyer sends the rejected items back; the seller inspects the return',
  },
  confirmReturn: {
    from: ['delivered', 'disputed', 'returning'],
    by: ['platform', 'seller'],
    to: 'refunded',
    items: { returning: 'refunded' },
    description: 'seller confirms the return arrived as sent; those items are refunded',
  },
  disputeReturn: {
    from: ['delivered', 'disputed', 'returning'],
    by: ['platform', 'seller'],
    to: 'disputed',
    items: { returning: 'disputed' },
    dispute: false,
    description: 'seller says the return is not as sent: a dispute instead of the refund',
  },
  cancel: {
    from: ['awaiting_payment', 'funded'],
    by: ['platform', 'ops'],
    // Funded: refunded; with milestones already released, split.
    to: { awaiting_payment: 'cancelled', funded: ['refunded', 'split'] },
    description:
      'unpaid: nothing moves; funded, nothing shipped or being inspected: what is not released is refunded',
  },
  retryPayout: {
    // Items are paid out as they are released, before the escrow as a whole is settled.
    from: STATUSES,
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
  'returnShippingWindow',
  'returnInspectionWindow',
] as const;
export type Timer = (typeof TIMERS)[number];

export interface TimerRule {
  /** The escrow status this timer runs in (escrow timers start when the escrow enters it). */
  status: EscrowStatus;
  to?: EscrowStatus;
  /** An item timer: it runs per item while the item is in this status, and moves it on. */
  item?: { status: ItemStatus; to: ItemStatus };
  /** A dispute timer: it runs from the dispute's opening while the dispute is open. */
  dispute?: true;
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
    item: { status: 'inspecting', to: 'released' },
    description: 'buyer silent: the item is released (each item on its own window)',
  },
  sellerResponseWindow: {
    status: 'disputed',
    to: 'refunded',
    dispute: true,
    description: 'seller silent: buyer wins, the disputed part is refunded',
  },
  opsDecisionSla: {
    status: 'disputed',
    dispute: true,
    description: 'no decision in time: flagged for attention, dispute stays open',
  },
  returnShippingWindow: {
    status: 'returning',
    to: 'released',
    item: { status: 'rejected', to: 'released' },
    description: 'buyer does not send the return: the rejection lapses, the items are released',
  },
  returnInspectionWindow: {
    status: 'returning',
    to: 'refunded',
    item: { status: 'returning', to: 'refunded' },
    description: 'seller silent on the return: receipt assumed, the items are refunded',
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
  returnShippingWindow: 7 * 86_400_000,
  returnInspectionWindow: 3 * 86_400_000,
};

/** How long a payment may still arrive after an unpaid escrow ends (it is then refunded). */
export const LATE_PAYMENT_GRACE_MS = 86_400_000;

/** The actions a status allows (in a release mode), by anyone or by one role. */
export const actionsAllowedIn = (
  status: EscrowStatus,
  role?: Role,
  mode: ReleaseMode = 'together',
): Action[] =>
  ACTIONS.filter((action) => {
    const rule = ACTION_RULES[action];
    return (
      rule.from.includes(status) &&
      (rule.modes === undefined || rule.modes.includes(mode)) &&
      (role === undefined || rule.by.includes(role))
    );
  });

/** Where an action takes an item in `from`; empty when the action does not apply to it. */
export function itemTargetsOf(action: Action, from: ItemStatus): ItemStatus[] {
  const to = ACTION_RULES[action].items?.[from];
  if (to === undefined) return [];
  return typeof to === 'string' ? [to] : [...to];
}

/** The statuses an action may lead to from `from` (itself when it changes no status). */
export function targetsOf(action: Action, from: EscrowStatus): EscrowStatus[] {
  const { to } = ACTION_RULES[action];
  if (to === undefined) return [from];
  if (typeof to === 'string') return [to];
  if (Array.isArray(to)) return [...to];
  const target = (to as Partial<Record<EscrowStatus, EscrowStatus | readonly EscrowStatus[]>>)[
    from
  ];
  if (target === undefined) return [];
  return typeof target === 'string' ? [target] : [...target];
}

/** The escrow timers that start when the escrow enters `status` (not item or dispute timers). */
export const timersIn = (status: EscrowStatus): Timer[] =>
  TIMERS.filter((timer) => {
    const rule = TIMER_RULES[timer];
    return rule.status === status && rule.item === undefined && rule.dispute === undefined;
  });

/** The item timer that runs while an item is in `status`, if any. */
export const itemTimerIn = (status: ItemStatus): Timer | undefined =>
  TIMERS.find((timer) => TIMER_RULES[timer].item?.status === status);

export const DISPUTE_TIMERS: readonly Timer[] = TIMERS.filter((t) => TIMER_RULES[t].dispute);
