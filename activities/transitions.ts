import { ApplicationFailure } from '@temporalio/activity';
import type { EscrowEvent } from '../domain/escrow.js';
import { PERMANENT_DATA_ERROR } from '../domain/failures.js';
import type { Sql } from '../infra/db.js';
import { loadClosedEscrow } from '../store/closed-escrows.js';
import {
  recordTransition,
  recordTransitions,
  TransitionBatchError,
  type TransitionRecord,
} from '../store/escrow-records.js';
import { permanentWriteError } from '../store/permanent-errors.js';

export function createTransitionActivities(sql: Sql) {
  return {
    /** A closed escrow, for the new run a late signal starts. */
    async loadClosedEscrow(escrowId: string) {
      const closed = await loadClosedEscrow(sql, escrowId);
      if (!closed) {
        throw ApplicationFailure.nonRetryable(`escrow ${escrowId} is not in Postgres`, 'NotFound');
      }
      return closed;
    },

    /** Event log + current-state row + ledger entry + webhook outbox, in one transaction. */
    async recordTransition(record: TransitionRecord): Promise<void> {
      try {
        await recordTransition(sql, record);
      } catch (error) {
        // Retrying a write Postgres refuses for good would block the escrow's workflow forever.
        const reason = permanentWriteError(error);
        if (reason === undefined) throw error;
        throw ApplicationFailure.create({
          type: PERMANENT_DATA_ERROR,
          message: reason,
          nonRetryable: true,
          cause: error instanceof Error ? error : undefined,
        });
      }
    },

    /**
     * An escrow's pending events, in seq order, in one transaction: one commit per step, not
     * one per event. A write Postgres refuses for good stays isolated: the events before it are
     * written again without it, and the answer names it (the workflow flags it and sends the
     * ones after it next). Any other failure is retried whole (idempotent by seq).
     */
    async recordTransitions(batch: TransitionBatch): Promise<{ refused?: RefusedEvent }> {
      const records = batch.events.map((event) => ({ ...batch, event }));
      try {
        await recordTransitions(sql, records);
        return {};
      } catch (error) {
        if (!(error instanceof TransitionBatchError)) throw error;
        const reason = permanentWriteError(error.cause);
        if (reason === undefined) throw error.cause;
        const before = records.filter((r) => r.event.seq < error.seq);
        if (before.length > 0) await recordTransitions(sql, before);
        return { refused: { seq: error.seq, error: `${PERMANENT_DATA_ERROR}: ${reason}` } };
      }
    },
  };
}

/** One escrow's events and what goes with each of them (one view: the escrow now). */
export type TransitionBatch = Omit<TransitionRecord, 'event'> & { events: EscrowEvent[] };

/** The event Postgres refused for good, and why. */
export interface RefusedEvent {
  seq: number;
  error: string;
}
