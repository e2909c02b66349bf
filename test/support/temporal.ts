import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import { inject } from 'vitest';
import { configSchema } from '../../infra/config.js';
import { dataConverterFrom } from '../../infra/temporal-client.js';

/**
 * The data converter of the development configuration (ENCRYPTION_KEYS' dev key), as the API,
 * the worker and the worker processes tests spawn use it: every test's payloads are encrypted.
 */
export const testDataConverter = dataConverterFrom(configSchema.parse({}));

let runtimeInstalled = false;

/** Quiet the SDK's own logs in tests; Runtime.install may run once per process. */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

export interface TestTemporal {
  client: Client;
  nativeConnection: NativeConnection;
  taskQueue: string;
  /** A worker on this file's own task queue, running the bundle built once by global set-up. */
  createWorker: (
    options: Pick<WorkerOptions, 'activities'> & Partial<WorkerOptions>,
  ) => Promise<Worker>;
  close: () => Promise<void>;
}

/** Connects to the run's shared dev server; each file gets a task queue of its own. */
export async function connectTestTemporal(): Promise<TestTemporal> {
  installTestRuntime();
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const taskQueue = `test-${randomUUID()}`;
  return {
    client: new Client({ connection, dataConverter: testDataConverter }),
    nativeConnection,
    taskQueue,
    createWorker: (options) =>
      Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowBundle: { codePath: inject('workflowBundlePath') },
        dataConverter: testDataConverter,
        ...options,
      }),
    close: async () => {
      await connection.close();
      await nativeConnection.close();
    },
  };
}
