// Every workflow the worker registers. Workflow code is deterministic: it imports only
// @temporalio/workflow (and its @temporalio/common base), domain/ and activity types.
export { checkoutWorkflow } from './checkout.js';
export { escrowWorkflow } from './escrow.js';
export { reconciliationWorkflow } from './reconciliation.js';
export { checkoutRefundLane } from './refund-lane.js';
