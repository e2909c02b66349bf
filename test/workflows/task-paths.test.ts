import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { escrowWorkflowId } from '../../workflows/client.js';
import { eventually } from '../support/eventually.js';
import { useTimeSkippingStack } from '../support/time-skipping-stack.js';

const { EventType } = proto.temporal.api.enums.v1;
const ctx = useTimeSkippingStack('escrow-task-paths');

/** The escrow's history, one name per event: its type, or `local <activity>` for a marker. */
async function eventNames(id: string): Promise<string[]> {
  const history = await ctx.env.client.workflow.getHandle(escrowWorkflowId(id)).fetchHistory();
  return (history.events ?? []).map((event) => {
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.details?.data?.payloads?.[0]?.data;
    return marker?.markerName === 'core_local_activity' && data
      ? `local ${(JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string }).activity_type}`
      : (EventType[event.eventType ?? 0] ?? '?');
  });
}

/** The create's part of the history: up to the payment link's Update. */
async function createEvents(id: string): Promise<string[]> {
  const names = await eventNames(id);
  return names.slice(0, names.indexOf('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED') + 1);
}

describe('the create path (local-payment-link)', () => {
  it('answers after one workflow task, with no activity task, and the escrow already in Postgres', async () => {
    const created = await ctx.stack.create();
    const [row] = await ctx.db.sql`select status from escrows where id = ${created.id}`;
    expect(row?.status).toBe('awaiting_payment');
    const events = await createEvents(created.id);
    expect(events.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED');
    expect(events.filter((e) => e === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
    expect(events.filter((e) => e.startsWith('EVENT_TYPE_ACTIVITY_'))).toEqual([]);
    expect(events.filter((e) => e.startsWith('local ')).sort()).toEqual([
      'local createPaymentLink',
      'local recordTransitions',
    ]);
  });

  it('on payOS makes the link once the row is there, and the row keeps its orderCode', async () => {
    const refundDestination = { bankCode: 'TCB', accountNumber: '1903456789', accountName: 'B' };
    const created = await ctx.stack.create({ rail: 'payos', refundDestination });
    const events = await createEvents(created.id);
    expect(events.filter((e) => e.startsWith('local '))).toEqual([
      'local recordTransitions',
      'local createPaymentLink',
    ]);
    const [row] = await ctx.db.sql`select order_ref from escrows where id = ${created.id}`;
    expect(row?.order_ref).toMatch(/^\d+$/);
  });
});

describe('the expiry path (local-quick-check)', () => {
  it('asks the rail and records the expiry in the one workflow task the deadline woke', async () => {
    const { id } = await ctx.stack.create();
    await ctx.env.sleep('31 minutes');
    await eventually(async () => {
      const [row] = await ctx.db.sql`select status from escrows where id = ${id}`;
      expect(row?.status).toBe('expired');
    });
    const names = await eventNames(id);
    const expiry = names.slice(
      names.indexOf('EVENT_TYPE_TIMER_FIRED'),
      names.lastIndexOf('local recordTransitions') + 1,
    );
    expect(expiry.filter((e) => e === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
    expect(expiry.filter((e) => e.startsWith('EVENT_TYPE_ACTIVITY_'))).toEqual([]);
    expect(expiry.filter((e) => e.startsWith('local '))).toEqual([
      'local checkPayment',
      'local recordTransitions',
    ]);
  });
});
