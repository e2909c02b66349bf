import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  type RefundLaneInput,
  type RefundLaneRequest,
  refundLaneGrantedSignal,
  refundLaneReleaseSignal,
  refundLaneRequestSignal,
} from './refund-lane-messages.js';

/** How long the lane waits with no holder and nobody queued before it closes. */
export const LANE_IDLE_CLOSE_MS = 60 * 60 * 1000;
/** How often the lane asks whether its holder's run still runs (a terminated or reset one never releases). */
export const HOLDER_CHECK_EVERY_MS = 5 * 60 * 1000;
/** Grants per run before the lane continues as new (its history stays short). */
const GRANTS_PER_RUN = 200;
/** Released request ids remembered, so a late duplicate request is not granted again. */
const DONE_KEPT = 200;

const { refundLaneHolderRunning } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * The refund lane of one checkout's payment (Temporal's mutex pattern): the checkout's escrows
 * refund shares of the same rail payment, and VNPay shows only a payment's latest refund and
 * refuses one while another is in progress, so their refunds go one at a time. An escrow
 * signals-with-start a request; the lane grants it to one request at a time (a signal to the
 * requester's run) and moves on when the holder releases it (its refund final), when its run
 * is found closed (terminated, reset, failed), or when the grant cannot be delivered to it.
 * Continues as new after many grants; closes after an hour with nobody holding or waiting.
 */
export async function checkoutRefundLane(input: RefundLaneInput): Promise<void> {
  let holder: RefundLaneRequest | undefined = input.holder;
  const queue: RefundLaneRequest[] = [...(input.queue ?? [])];
  const done: string[] = [...(input.done ?? [])];
  let grants = 0;
  const checkEvery = input.holderCheckEveryMs ?? HOLDER_CHECK_EVERY_MS;

  const known = (requestId: string) =>
    holder?.requestId === requestId ||
    queue.some((r) => r.requestId === requestId) ||
    done.includes(requestId);
  setHandler(refundLaneRequestSignal, (request) => {
    // The same request twice (a retried signal-with-start) is one; a reset run asks anew.
    if (known(request.requestId)) return;
    queue.push(request);
  });
  setHandler(refundLaneReleaseSignal, ({ requestId }) => {
    if (holder?.requestId === requestId) {
      finish(requestId);
      holder = undefined;
      return;
    }
    // Released before it was granted (it gave up waiting): it leaves the queue.
    const index = queue.findIndex((r) => r.requestId === requestId);
    if (index >= 0) {
      queue.splice(index, 1);
      finish(requestId);
    }
  });
  const finish = (requestId: string) => {
    done.push(requestId);
    if (done.length > DONE_KEPT) done.splice(0, done.length - DONE_KEPT);
  };
  const show = () =>
    setCurrentDetails(
      `Refund lane of checkout ${input.checkoutId}: ${
        holder ? `held by ${holder.workflowId} (${holder.requestId})` : 'free'
      } · ${queue.length} waiting`,
    );

  /** Tells the requester's run it holds the lane; false when that run is no longer there. */
  const grant = async (request: RefundLaneRequest): Promise<boolean> => {
    try {
      await getExternalWorkflowHandle(request.workflowId, request.runId).signal(
        refundLaneGrantedSignal,
        { requestId: request.requestId },
      );
      return true;
    } catch {
      return false;
    }
  };

  // A holder carried over continue-as-new was granted already: it is only watched.
  for (;;) {
    show();
    if (grants >= GRANTS_PER_RUN || workflowInfo().continueAsNewSuggested) break;
    if (holder) {
      const current = holder;
      const moved = await condition(() => holder !== current, checkEvery);
      if (!moved && holder === current && !(await refundLaneHolderRunning(current))) {
        // The holder's run closed without releasing (terminated, reset, timed out): its refund
        // will never be released by it; the next request goes.
        if (holder === current) {
          finish(current.requestId);
          holder = undefined;
        }
      }
      continue;
    }
    const next = queue.shift();
    if (next) {
      holder = next;
      grants += 1;
      if (!(await grant(next)) && holder === next) {
        finish(next.requestId);
        holder = undefined;
      }
      continue;
    }
    const asked = await condition(() => queue.length > 0, LANE_IDLE_CLOSE_MS);
    if (!asked) {
      await condition(allHandlersFinished);
      // A request that came with the last task is served by this run, not dropped.
      if (queue.length === 0) return;
    }
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof checkoutRefundLane>({
    checkoutId: input.checkoutId,
    ...(input.holderCheckEveryMs === undefined
      ? {}
      : { holderCheckEveryMs: input.holderCheckEveryMs }),
    ...(holder ? { holder } : {}),
    queue,
    done,
  });
}
