import { Worker } from '@temporalio/worker';
import { expect, inject, it } from 'vitest';
import { workerTracing } from '../../infra/temporal-tracing.js';
import { loadHistories } from '../support/histories.js';
import { installTestRuntime, testDataConverter } from '../support/temporal.js';

// Escrows live for weeks: every recorded path must replay on today's workflow code. A change
// that breaks determinism fails here; guard it with patched() and re-record with
// `npm run fixtures:histories`.
it('replays every recorded escrow history without non-determinism', async () => {
  installTestRuntime();
  const histories = await loadHistories();
  expect(histories.length).toBeGreaterThanOrEqual(12);
  const results = Worker.runReplayHistories(
    // The bundle has the tracing interceptors (their sink, as a worker without tracing has it);
    // with the codec installed the committed (unencrypted) histories pass through its decode.
    {
      workflowBundle: { codePath: inject('workflowBundlePath') },
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
