import { proxyActivities } from '@temporalio/workflow';
import type { HarnessActivities } from './harness-activities.js';

const { recordPing } = proxyActivities<HarnessActivities>({ startToCloseTimeout: '10 seconds' });

/** Proves the harness end to end: workflow → activity → Postgres. */
export async function harnessPingWorkflow(id: string, message: string): Promise<string> {
  return recordPing(id, message);
}
