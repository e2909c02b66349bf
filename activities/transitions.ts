import { ApplicationFailure } from '@temporalio/activity';
import { PERMANENT_DATA_ERROR } from '../domain/failures.js';
import type { Sql } from '../infra/db.js';
import { loadClosedEscrow } from '../store/closed-escrows.js';
import { recordTransition, type TransitionRecord } from '../store/escrow-records.js';
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
  };
}
