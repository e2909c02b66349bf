import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { workerTracing } from '../../infra/temporal-tracing.js';
import { loadHistories } from '../support/histories.js';
import { installTestRuntime, testDataConverter } from '../support/temporal.js';

// Escrows live for weeks: every recorded path must replay on today's workflow code. A change
// that breaks determinism fails here; guard it with patched() and re-record with
// `npm run fixtures:histories`. A worker runs the plain bundle, or the traced one when tracing
// is on, and either may pick up an escrow the other started: each replays every history.
describe.each([
  ['plain', 'workflowBundlePath'],
  ['traced', 'tracedWorkflowBundlePath'],
] as const)('the %s workflow bundle', (_name, bundle) => {
  it('replays every recorded escrow history without non-determinism', async () => {
    installTestRuntime();
    const histories = await loadHistories();
    expect(histories.length).toBeGreaterThanOrEqual(12);
    const results = Worker.runReplayHistories(
      // The tracing interceptors' sink as a worker without tracing has it; with the codec
      // installed the committed (unencrypted) histories pass through its decode.
      {
        workflowBundle: { codePath: inject(bundle) },
        ...workerTracing(undefined),
        dataConverter: testDataConverter,
      },
      histories.map(({ name, history }) => ({ workflowId: name, history })),
    );
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
