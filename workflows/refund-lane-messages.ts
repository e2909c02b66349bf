// The refund lane's messages: its escrows ask for it, are granted it and release it.
// Definitions and types only: the lane, the escrow workflow and the activities import this file.
import { defineSignal } from '@temporalio/workflow';

/** The lane of one checkout's payment: one per checkout, whichever escrow starts it. */
export const refundLaneWorkflowId = (checkoutId: string): string => `refund-lane:${checkoutId}`;

/** An escrow's run asking for the lane, for one refund attempt (`requestId`). */
export interface RefundLaneRequest {
  /** The asking escrow's workflow id and run: the grant goes to that run, and only while it runs. */
  workflowId: string;
  runId: string;
  /** Unique per refund attempt: the same request twice is one. */
  requestId: string;
}

export interface RefundLaneInput {
  checkoutId: string;
  /** How often the holder's run is checked for still running; default 5 minutes. */
  holderCheckEveryMs?: number;
  /** Carried over continue-as-new: the holder and the queue behind it. */
  holder?: RefundLaneRequest;
  queue?: RefundLaneRequest[];
  /** Request ids already granted and released, latest last (a late duplicate is not re-queued). */
  done?: string[];
}

/** Escrow → lane (signal-with-start): queue this request. */
export const refundLaneRequestSignal = defineSignal<[RefundLaneRequest]>('refundLaneRequest');
/** Escrow → lane: the refund of this request is final (succeeded or failed); next, please. */
export const refundLaneReleaseSignal = defineSignal<[{ requestId: string }]>('refundLaneRelease');
/** Lane → escrow: the lane is this request's; its refund may go to the rail. */
export const refundLaneGrantedSignal = defineSignal<[{ requestId: string }]>('refundLaneGranted');
