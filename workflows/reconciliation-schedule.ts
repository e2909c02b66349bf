// The Temporal Schedule that runs reconciliation. Not part of the workflow bundle: it imports
// the client.
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleHandle,
  type ScheduleOptionsStartWorkflowAction,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import type { ReconciliationWorkflowInput, reconciliationWorkflow } from './reconciliation.js';

export const RECONCILIATION_SCHEDULE_ID = 'reconciliation';

export interface ReconciliationScheduleOptions {
  taskQueue: string;
  everyMs: number;
  settleLagMs: number;
  scheduleId?: string;
}

/**
 * Creates the schedule, or brings the existing one in line with this configuration: every
 * worker calls it at start, so the interval is the last started worker's RECONCILE_EVERY. A
 * pass still running when the next is due makes that one skip (the next covers its period).
 */
export async function ensureReconciliationSchedule(
  client: Client,
  options: ReconciliationScheduleOptions,
): Promise<ScheduleHandle> {
  const scheduleId = options.scheduleId ?? RECONCILIATION_SCHEDULE_ID;
  const input: ReconciliationWorkflowInput = {
    everyMs: options.everyMs,
    settleLagMs: options.settleLagMs,
  };
  const spec = { intervals: [{ every: options.everyMs }] };
  const action: ScheduleOptionsStartWorkflowAction<typeof reconciliationWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'reconciliationWorkflow',
    // Each run's id is this plus the time it was due.
    workflowId: scheduleId,
    taskQueue: options.taskQueue,
    args: [input],
  };
  try {
    return await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    const handle = client.schedule.getHandle(scheduleId);
    await handle.update((previous) => ({ ...previous, spec, action }));
    return handle;
  }
}
