import type { Role } from '../domain/lifecycle.js';
import { DEFAULT_RAIL } from '../domain/rails.js';
import type { EscrowView } from '../domain/view.js';
import type { EscrowEventRecord } from '../store/escrow-queries.js';
import { allowedActionNames } from './schemas/actions.js';
import type { Escrow } from './schemas/escrows.js';

/**
 * What the API shows of an escrow: the workflow's view, with the actions the caller's role may
 * take now by their route names. The timeline is at /events: an Update answered before views
 * left it out, and replayed to a retry with the same id from its history, still carries one.
 */
export function presentEscrow(view: EscrowView & { timeline?: unknown }, role: Role): Escrow {
  const { timeline: _timeline, allowedActions: _all, ...rest } = view;
  // Rows written before rails were chosen per escrow have no paymentMethod: they were VNPay's.
  // Rows from before items lack the release mode and the frozen / releasable split.
  const money = rest.money as Partial<Escrow['money']> & Pick<Escrow['money'], 'held'>;
  return {
    ...rest,
    release: rest.release ?? 'together',
    money: { ...rest.money, frozen: money.frozen ?? 0, releasable: money.releasable ?? money.held },
    paymentMethod: rest.paymentMethod ?? DEFAULT_RAIL,
    allowedActions: allowedActionNames(view.allowedActions, role),
  };
}

export const presentEvent = (event: EscrowEventRecord) => ({
  seq: event.seq,
  type: event.type,
  status: event.status,
  data: event.data,
  occurredAt: event.occurredAt.toISOString(),
});

/**
 * List cursor: the last item's position (creation time in µs, id), as ListEscrowsQuery reads it
 * back. Written plainly so that its published pattern says exactly which cursors are valid.
 */
export function encodeCursor(position: { createdAtMicros: bigint; id: string }): string {
  return `${position.createdAtMicros}.${position.id}`;
}
