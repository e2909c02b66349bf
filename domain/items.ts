// An escrow's items: each line of the order holds its own money and has its own status and
// timer. Pure functions over the escrow state; the reducer (escrow.ts) moves the money.
import type { EscrowState, EscrowTerms } from './escrow.js';
import {
  DEFAULT_WINDOWS,
  type EscrowStatus,
  type ItemStatus,
  itemTimerIn,
  TERMINAL_ITEM_STATUSES,
  type Timer,
} from './lifecycle.js';

export interface ItemState {
  id: string;
  description: string;
  amount: number;
  quantity?: number;
  status: ItemStatus;
  /** When the timer of the item's status (`itemTimerIn`) fires. */
  deadline?: number;
  /** The part of the item's held money the open dispute freezes. */
  frozen: number;
  released: number;
  fees: number;
  refunded: number;
  rejection?: { reason: string; at: number };
  returnShipment?: { carrier: string; trackingNumber: string; shippedAt: number };
}

/** The id of the one item an escrow created without items has. */
export const IMPLICIT_ITEM_ID = '1';

export function initialItems(terms: EscrowTerms): ItemState[] {
  const lines = terms.items ?? [
    { id: IMPLICIT_ITEM_ID, description: terms.description, amount: terms.amount },
  ];
  return lines.map((line) => ({
    id: line.id,
    description: line.description,
    amount: line.amount,
    ...(line.quantity === undefined ? {} : { quantity: line.quantity }),
    status: 'awaiting' as const,
    frozen: 0,
    released: 0,
    fees: 0,
    refunded: 0,
  }));
}

/** Fee charged on a part of a whole: proportional, rounded down (in the seller's favour). */
export const proratedFee = (fee: number, part: number, whole: number): number =>
  whole === 0 ? 0 : Number((BigInt(fee) * BigInt(part)) / BigInt(whole));

/** The item's share of the escrow's fee; the last item takes the rounding remainder. */
export function itemFee(s: EscrowState, item: ItemState): number {
  const fee = Math.min(s.terms.fee, s.terms.amount);
  const index = s.items.indexOf(item);
  if (index < s.items.length - 1) return proratedFee(fee, item.amount, s.terms.amount);
  const others = s.items
    .slice(0, -1)
    .reduce((sum, other) => sum + proratedFee(fee, other.amount, s.terms.amount), 0);
  return Math.min(item.amount, fee - others);
}

/**
 * The fee on releasing `gross` more of an item: the fee on everything released so far,
 * prorated, less what was already taken, so the parts never add up to more than the share.
 */
export function feeOnRelease(s: EscrowState, item: ItemState, gross: number): number {
  const share = itemFee(s, item);
  return proratedFee(share, item.released + item.fees + gross, item.amount) - item.fees;
}

/** What the item holds now: nothing before the escrow is funded. */
export const itemHeld = (s: EscrowState, item: ItemState): number =>
  s.payment === undefined ? 0 : item.amount - item.released - item.fees - item.refunded;

/** What the item holds that no dispute freezes. */
export const itemReleasable = (s: EscrowState, item: ItemState): number =>
  itemHeld(s, item) - item.frozen;

export const isItemTerminal = (item: ItemState): boolean =>
  TERMINAL_ITEM_STATUSES.includes(item.status);

/** An item whose money has all gone: released, refunded, or both. */
export function settledStatus(item: ItemState): ItemStatus {
  if (item.refunded === 0) return 'released';
  return item.released + item.fees === 0 ? 'refunded' : 'split';
}

/** Moves an item to a status and starts that status's item timer, if it has one. */
export function moveItem(s: EscrowState, item: ItemState, status: ItemStatus, now: number): void {
  item.status = status;
  delete item.deadline;
  const timer = itemTimerIn(status);
  if (timer !== undefined) item.deadline = now + itemWindow(s, item, timer);
}

/** The length of an item's timer: its own inspection window, else the escrow's window. */
function itemWindow(s: EscrowState, item: ItemState, timer: Timer): number {
  const own =
    timer === 'inspectionWindow' ? s.terms.items?.find((l) => l.id === item.id) : undefined;
  return own?.inspectionWindow ?? windowOf(s.terms, timer);
}

/** A window from the terms; escrows from before a timer existed get its default. */
export function windowOf(terms: EscrowTerms, timer: Timer): number {
  // Terms are JSON from a history: the record may lack a timer added since.
  return (terms.windows as Partial<Record<Timer, number>>)[timer] ?? DEFAULT_WINDOWS[timer];
}

/**
 * The escrow's status as its items say, once it is funded: all settled → released, refunded
 * or split; otherwise the most pressing phase an item is in. `undefined`: keep the status
 * (items not yet delivered, or the escrow not funded).
 */
export function escrowStatusOf(s: EscrowState): EscrowStatus | undefined {
  const has = (status: ItemStatus) => s.items.some((item) => item.status === status);
  if (s.items.every(isItemTerminal)) {
    if (s.items.every((item) => item.status === 'released')) return 'released';
    if (s.items.every((item) => item.status === 'refunded')) return 'refunded';
    return 'split';
  }
  if ((s.terms.release ?? 'together') === 'together' && has('awaiting')) return undefined;
  if (has('inspecting')) return 'delivered';
  if (has('in_progress')) return 'funded';
  if (has('disputed')) return 'disputed';
  if (has('rejected') || has('returning')) return 'returning';
  return undefined;
}

/** Items whose timer has fired by `now`. */
export const itemsDue = (s: EscrowState, timer: Timer, now: number): ItemState[] =>
  s.items.filter(
    (item) =>
      item.deadline !== undefined && item.deadline <= now && itemTimerIn(item.status) === timer,
  );

/** The items' running deadlines, earliest per timer (for the view and the workflow's wake-up). */
export function itemDeadlines(s: EscrowState): Partial<Record<Timer, number>> {
  const deadlines: Partial<Record<Timer, number>> = {};
  for (const item of s.items) {
    const timer = itemTimerIn(item.status);
    if (timer === undefined || item.deadline === undefined) continue;
    const earliest = deadlines[timer];
    if (earliest === undefined || item.deadline < earliest) deadlines[timer] = item.deadline;
  }
  return deadlines;
}
