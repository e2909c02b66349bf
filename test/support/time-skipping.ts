import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { registerSearchAttributes } from '../../devstack/temporal-server.js';
import { installTestRuntime, testDataConverter } from './temporal.js';

/**
 * A time-skipping test server of this file's own (time is global to a server, so files must
 * not share one), from the binary set-up installed; nothing is downloaded. The escrow search
 * attributes are registered so the workflow can upsert them.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } },
    client: { dataConverter: testDataConverter },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}
