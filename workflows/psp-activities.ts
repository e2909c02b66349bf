// How the workflows call the rails, written once for the escrow and the checkout workflows.
// Workflow code: it imports only `@temporalio/workflow` and activity types.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

// PSP calls: transient failures retry with backoff under the same idempotency key; permanent
// ones (declined, invalid destination) come back as non-retryable failures the workflow handles.
export const psp = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['PspPermanentError'],
  },
});

// The last word before an unpaid escrow (or cart) expires: a few quick tries; if the rail
// cannot answer, it expires and the rail is asked again, patiently, while a late payment may
// still be booked (and refunded).
export const quickCheck = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['PspPermanentError'],
  },
}).checkPayment;

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
