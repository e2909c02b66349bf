import type { Sql } from '../infra/db.js';
import { recordTransition, type TransitionRecord } from '../store/escrow-records.js';

export function createTransitionActivities(sql: Sql) {
  return {
    /** Event log + current-state row + ledger entry + webhook outbox, in one transaction. */
    async recordTransition(record: TransitionRecord): Promise<void> {
      await recordTransition(sql, record);
    },
  };
}
