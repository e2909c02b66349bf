// How the workflows call the rails, written once for the escrow and the checkout workflows.
// Workflow code: it imports only `@temporalio/workflow` and activity types.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

// PSP calls: transient failures retry with backoff under the same idempotency key; permanent
// ones (declined, invalid destination) come back as non-retryable failures the workflow handles.
const pspRetry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '10 minutes',
  nonRetryableErrorTypes: ['PspPermanentError'],
};
export const psp = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: pspRetry,
});

// A new escrow's payment link, as a local activity: one request to the rail (VNPay's is only
// signed here), made in the escrow's first workflow task beside its first record, so the create
// answers in one task with no activity round trip. The same timeout and retries as `psp`; a
// backoff longer than the threshold waits in a server timer, not in a held workflow task.
export const { createPaymentLink: createPaymentLinkLocally } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  localRetryThreshold: '10 seconds',
  retry: pspRetry,
});

// The last word before an unpaid escrow (or cart) expires: a few quick tries; if the rail
// cannot answer, it expires and the rail is asked again, patiently, while a late payment may
// still be booked (and refunded).
const quickCheckOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['PspPermanentError'],
  },
};
export const quickCheck = proxyActivities<Activities>(quickCheckOptions).checkPayment;
// The same last word as a local activity: asked inside the task the deadline woke, so an expiry
// costs one workflow task and no activity task (a burst of deadlines drains faster). Its tries
// are seconds apart, well under a workflow task's heartbeat, so they never hold one for long.
export const quickCheckLocally = proxyLocalActivities<Activities>(quickCheckOptions).checkPayment;

export const patientCheck = (withinMs: number) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: Math.max(1_000, withinMs),
    retry: {
      initialInterval: '30 seconds',
      backoffCoefficient: 2,
      maximumInterval: '30 minutes',
      nonRetryableErrorTypes: ['PspPermanentError'],
    },
  }).checkPayment;
