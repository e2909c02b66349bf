import type { Role } from '../domain/lifecycle.js';
import type { StoredEscrowView } from '../domain/view.js';
import type { EscrowEventRecord } from '../store/escrow-queries.js';
import { allowedActionNames } from './actions.js';
import type { Escrow } from './schemas/escrows.js';

/**
 * What the API shows of an escrow: the workflow's view without its timeline (see /events), and
 * the actions the caller's role may take now, by their route names.
 */
export function presentEscrow(view: StoredEscrowView & { timeline?: unknown }, role: Role): Escrow {
  const { timeline: _timeline, allowedActions: _all, ...rest } = view;
  return { ...rest, allowedActions: allowedActionNames(view.status, role) };
}

export const presentEvent = (event: EscrowEventRecord) => ({
  seq: event.seq,
  type: event.type,
  status: event.status,
  data: event.data,
  occurredAt: event.occurredAt.toISOString(),
});

/** Opaque list cursor: the last item's position (creation time in µs, id). */
export function encodeCursor(position: { createdAtMicros: bigint; id: string }): string {
  return Buffer.from(`${position.createdAtMicros}:${position.id}`).toString('base64url');
}

/** A cursor this API made, else `undefined`; 16 digits of µs reach 2286 and fit a timestamp. */
export function decodeCursor(cursor: string): { createdAtMicros: bigint; id: string } | undefined {
  const match = /^(\d{1,16}):([A-Za-z0-9_-]{1,64})$/.exec(
    Buffer.from(cursor, 'base64url').toString('utf8'),
  );
  if (!match?.[1] || !match[2]) return undefined;
  return { createdAtMicros: BigInt(match[1]), id: match[2] };
}
