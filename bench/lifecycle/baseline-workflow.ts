import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';

interface BaselineActivities {
  noop(step: string): Promise<void>;
}
const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '30 seconds' });
const local = proxyLocalActivities<BaselineActivities>({ startToCloseTimeout: '30 seconds' });

export const baselineLink = defineUpdate<string>('paymentLink');
export const baselinePaid = defineSignal('paymentConfirmed');
export const baselineStep = defineUpdate<string, [string]>('step');

/**
 * The same shape of Temporal traffic as one happy-path escrow, with none of the work: what the
 * engine costs is the gap. An update-with-start, a signal and three Updates; a local activity
 * where the escrow records (created; funded; each step, the last with its payout start; the
 * payout's result) and where it makes the payment link (beside the first record), and a
 * regular one where it calls the rail to pay out.
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
    await local.noop(name);
    return name;
  });
  await Promise.all([local.noop('created'), local.noop('payment-link')]);
  linked = true;
  await condition(() => paid);
  await local.noop('funded');
  await condition(() => steps.length === 3);
  await noop('payout');
  await local.noop('payout-succeeded');
}
