import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';

interface BaselineActivities {
  noop(step: string): Promise<void>;
}
const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '30 seconds' });

export const baselineLink = defineUpdate<string>('paymentLink');
export const baselinePaid = defineSignal('paymentConfirmed');
export const baselineStep = defineUpdate<string, [string]>('step');

/**
 * The same shape of Temporal traffic as one happy-path escrow (an update-with-start, a signal,
 * three Updates, ten activities) with none of the work: what the engine costs is the gap.
 */
export async function baselineWorkflow(): Promise<void> {
  let paid = false;
  let linked = false;
  const steps: string[] = [];
  setHandler(baselineLink, async () => {
    await condition(() => linked);
    return 'link';
  });
  setHandler(baselinePaid, () => {
    paid = true;
  });
  setHandler(baselineStep, async (name) => {
    steps.push(name);
    await noop(name);
    return name;
  });
  await noop('created');
  await noop('payment-link');
  linked = true;
  await condition(() => paid);
  await noop('funded');
  await condition(() => steps.length === 3);
  await noop('released');
  await noop('payout-started');
  await noop('payout');
  await noop('payout-succeeded');
}
