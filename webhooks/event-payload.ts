import type { EscrowEvent, EscrowTerms } from '../domain/escrow.js';
import type { EscrowView } from '../domain/view.js';

/**
 * The body platforms receive: the event, and the escrow as the workflow saw it when recording
 * the event. That is after the whole step, possibly later: one action's events (accepted, then
 * funds_released) all carry the escrow as it stands after the release.
 */
export function escrowEventPayload(terms: EscrowTerms, event: EscrowEvent, view: EscrowView) {
  return {
    id: `evt_${terms.escrowId}_${event.seq}`,
    type: `escrow.${event.type}`,
    createdAt: new Date(event.at).toISOString(),
    data: {
      escrowId: terms.escrowId,
      reference: terms.reference,
      seq: event.seq,
      status: event.status,
      details: event.data,
      escrow: view,
    },
  };
}
