import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ReconcileSummary } from '../activities/reconciliation.js';

export interface ReconciliationWorkflowInput {
  /** How far back a first pass reaches; later passes start where the last finished one ended. */
  everyMs: number;
  /** The pass ends this long ago: younger records may still be catching up on the other side. */
  settleLagMs: number;
  /** An explicit period instead (ISO 8601 instants): a re-run or a backfill. */
  from?: string;
  to?: string;
}

// One long activity: it heartbeats per rail call. A failed pass is retried as the same run; if
// it gives up, the next pass starts where the last finished one ended, so nothing is skipped.
const { reconcile } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/** One reconciliation pass, as the schedule starts it: the ledger against the rails. */
export async function reconciliationWorkflow(
  input: ReconciliationWorkflowInput,
): Promise<ReconcileSummary> {
  const { workflowId, runId } = workflowInfo();
  return reconcile({
    runId: `${workflowId}/${runId}`,
    ...(input.from === undefined ? {} : { from: input.from }),
    to: input.to ?? new Date(Date.now() - input.settleLagMs).toISOString(),
    everyMs: input.everyMs,
    settleLagMs: input.settleLagMs,
  });
}
