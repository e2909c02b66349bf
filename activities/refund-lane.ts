import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { checkoutRefundLane } from '../workflows/refund-lane.js';
import {
  type RefundLaneRequest,
  refundLaneRequestSignal,
  refundLaneWorkflowId,
} from '../workflows/refund-lane-messages.js';

/**
 * The refund lane's two calls outside workflow code: a workflow cannot signal-with-start, so an
 * escrow asks for its checkout's lane through `requestRefundLane`; the lane asks whether its
 * holder's run still runs through `refundLaneHolderRunning`.
 */
export function createRefundLaneActivities(
  temporal: Client,
  taskQueue: string,
  /** How often a lane this starts checks its holder still runs; default the lane's own. */
  holderCheckEveryMs?: number,
) {
  return {
    /** Queues the request at the checkout's lane, starting the lane if it is not running. */
    async requestRefundLane(input: { checkoutId: string; request: RefundLaneRequest }) {
      await temporal.workflow.signalWithStart<typeof checkoutRefundLane, [RefundLaneRequest]>(
        'checkoutRefundLane',
        {
          workflowId: refundLaneWorkflowId(input.checkoutId),
          taskQueue,
          args: [
            {
              checkoutId: input.checkoutId,
              ...(holderCheckEveryMs === undefined ? {} : { holderCheckEveryMs }),
            },
          ],
          signal: refundLaneRequestSignal,
          signalArgs: [input.request],
          staticSummary: `Refund lane of checkout ${input.checkoutId}: its escrows' refunds one at a time`,
        },
      );
    },

    /** Whether that run of the holder's workflow is still running (and so will release). */
    async refundLaneHolderRunning(holder: { workflowId: string; runId: string }) {
      try {
        const described = await temporal.workflow
          .getHandle(holder.workflowId, holder.runId)
          .describe();
        return described.status.name === 'RUNNING';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
  };
}
