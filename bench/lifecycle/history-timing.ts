// Where a workflow's time goes, read from its history's event timestamps: each workflow task
// (scheduled → started: queueing for a worker; started → completed: the worker's work, local
// activities included), each activity (scheduled → started: queueing; started → completed: the
// work itself, a Postgres commit or a PSP call) per activity type, and each local activity as
// its marker tells: how long after its workflow task started the workflow asked for it, and
// how long it ran (from its dispatch to its result, retries included).
// @temporalio/proto is CommonJS: Node's ESM loader only sees its default export.
import { Client, type Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { escrowWorkflowId } from '../../workflows/client.js';
import { percentile } from '../stats.js';

type History = proto.temporal.api.history.v1.IHistory;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;

export interface Span {
  name: string;
  count: number;
  /** Per history: how many of these one workflow has. */
  perRun: number;
  p50: number;
  p99: number;
  totalMsPerRun: number;
}

const millis = (event: HistoryEvent | undefined): number => {
  const t = event?.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : Number.NaN;
};

/** The spans of a sample of histories, one row per kind of span. */
export function historyTiming(histories: History[]): Span[] {
  const samples = new Map<string, number[]>();
  const add = (name: string, ms: number) => {
    if (!Number.isFinite(ms)) return;
    const list = samples.get(name) ?? [];
    list.push(ms);
    samples.set(name, list);
  };
  for (const history of histories) {
    const events = history.events ?? [];
    const byId = new Map(events.map((e) => [Number(e.eventId), e]));
    const activityType = new Map<number, string>();
    let taskStarted = Number.NaN;
    for (const event of events) {
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
          taskStarted = millis(event);
          const scheduled = byId.get(
            Number(event.workflowTaskStartedEventAttributes?.scheduledEventId),
          );
          add('workflow task: scheduled → started', millis(event) - millis(scheduled));
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
          const started = byId.get(
            Number(event.workflowTaskCompletedEventAttributes?.startedEventId),
          );
          add('workflow task: started → completed', millis(event) - millis(started));
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
          activityType.set(
            Number(event.eventId),
            event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
          );
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
          const attrs = event.activityTaskCompletedEventAttributes;
          const scheduledId = Number(attrs?.scheduledEventId);
          const type = activityType.get(scheduledId) ?? '?';
          const started = byId.get(Number(attrs?.startedEventId));
          add(
            `activity ${type}: scheduled → started`,
            millis(started) - millis(byId.get(scheduledId)),
          );
          add(`activity ${type}: started → completed`, millis(event) - millis(started));
          break;
        }
        case EventType.EVENT_TYPE_MARKER_RECORDED: {
          const marker = localActivity(event);
          if (!marker) break;
          add(
            `local activity ${marker.type}: task started → scheduled`,
            marker.scheduledAt - taskStarted,
          );
          add(`local activity ${marker.type}: run`, marker.completedAt - taskStarted);
          break;
        }
      }
    }
  }
  const runs = Math.max(1, histories.length);
  return [...samples.entries()]
    .map(([name, list]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return {
        name,
        count: sorted.length,
        perRun: sorted.length / runs,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        totalMsPerRun: sorted.reduce((sum, ms) => sum + ms, 0) / runs,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A local activity's type, when it was scheduled and when it completed, as its marker's data
 * says (the SDK's core writes it as JSON). The schedule time is the worker's clock; the
 * completion is workflow time: its task's start (the WorkflowTaskStarted event) plus the run.
 */
function localActivity(
  event: HistoryEvent,
): { type: string; scheduledAt: number; completedAt: number } | undefined {
  const attrs = event.markerRecordedEventAttributes;
  if (attrs?.markerName !== 'core_local_activity') return undefined;
  const data = attrs.details?.data?.payloads?.[0]?.data;
  if (!data) return { type: '?', scheduledAt: Number.NaN, completedAt: Number.NaN };
  const marker = JSON.parse(Buffer.from(data).toString('utf8')) as {
    activity_type?: string;
    complete_time?: CoreTime;
    original_schedule_time?: CoreTime;
  };
  return {
    type: marker.activity_type ?? '?',
    scheduledAt: coreMillis(marker.original_schedule_time),
    completedAt: coreMillis(marker.complete_time),
  };
}

interface CoreTime {
  seconds: number;
  nanos: number;
}
const coreMillis = (t: CoreTime | undefined): number =>
  t ? t.seconds * 1000 + Math.floor(t.nanos / 1e6) : Number.NaN;

/** The spans as a Markdown table. */
export function timingTable(title: string, spans: Span[]): string {
  const rows = spans.map(
    (s) =>
      `| ${s.name} | ${s.perRun.toFixed(1)} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${s.totalMsPerRun.toFixed(0)} |`,
  );
  return `${title}\n\n| span | per run | p50 ms | p99 ms | ms per run |\n| --- | ---: | ---: | ---: | ---: |\n${rows.join('\n')}\n`;
}

/**
 * A sample of created escrows' histories, cut at the payment link's Update completing: how long
 * the workflow took from its start to the link, and the spans (workflow tasks, activities,
 * local activities) in that part of its history.
 */
export async function createBreakdown(connection: Connection, ids: string[], sampleSize: number) {
  const histories = await sampleHistories(connection, ids, sampleSize);
  const toLink: number[] = [];
  const cut: History[] = histories.map((history) => {
    const events = history.events ?? [];
    const done = events.findIndex(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    );
    const end = done < 0 ? events.length : done + 1;
    if (done >= 0) toLink.push(millis(events[done]) - millis(events[0]));
    return { events: events.slice(0, end) };
  });
  toLink.sort((a, b) => a - b);
  return {
    sampled: histories.length,
    toLinkP50: percentile(toLink, 50),
    toLinkP99: percentile(toLink, 99),
    spans: historyTiming(cut),
  };
}

/** The spans of a sample of expired escrows' histories, from their first timer firing on. */
export async function expiryBreakdown(connection: Connection, ids: string[], sampleSize = 20) {
  const histories = await sampleHistories(connection, ids, sampleSize);
  return historyTiming(
    histories.map((history) => {
      const events = history.events ?? [];
      const fired = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED);
      return { events: events.slice(Math.max(0, fired)) };
    }),
  );
}

/** Every n-th escrow's history, `sampleSize` of them at most. */
function sampleHistories(
  connection: Connection,
  ids: string[],
  sampleSize: number,
): Promise<History[]> {
  const client = new Client({ connection });
  const step = Math.max(1, Math.floor(ids.length / sampleSize));
  const sample = ids.filter((_, i) => i % step === 0).slice(0, sampleSize);
  return Promise.all(
    sample.map((id) => client.workflow.getHandle(escrowWorkflowId(id)).fetchHistory()),
  );
}
