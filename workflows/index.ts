// Every workflow the worker registers. Workflow code is deterministic: it imports only
// @temporalio/workflow, domain/ and activity types.
export {};
