import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { freePort } from '../../devstack/ports.js';
import { spawnService } from '../../devstack/services.js';
import { stopChild } from '../../devstack/watchdog.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/eventually.js';
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';
import { dashboardMetrics } from './dashboard.js';

let db: TestDatabase;
let temporal: TestTemporal;
let worker: ChildProcess | undefined;
const output: string[] = [];

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
});
afterAll(async () => {
  if (worker) await stopChild(worker);
  await temporal?.close();
  await db?.drop();
});

// The production worker entry point as its own process: Runtime.install with the Prometheus
// exporter happens there, once per process, before any connection.
it("the worker serves the Temporal SDK's metrics on WORKER_METRICS_PORT", async () => {
  const port = await freePort();
  worker = spawnService(
    'worker/main.ts',
    {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: temporal.taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      WORKER_METRICS_PORT: String(port),
    },
    (line) => output.push(line),
  );
  const metrics = `http://127.0.0.1:${port}/metrics`;
  // A workflow task for the worker to run (the ping's activity is not registered there: only
  // the workflow task matters here).
  const handle = await temporal.client.workflow.start('harnessPingWorkflow', {
    taskQueue: temporal.taskQueue,
    workflowId: `metrics-${randomUUID()}`,
    args: ['metrics', 'ping'],
  });
  try {
    await eventually(async () => {
      expect(worker?.exitCode, output.join('\n')).toBeNull();
      const text = await (await fetch(metrics)).text();
      expect(text).toMatch(/^temporal_workflow_task_execution_latency_bucket\{/m);
      expect(text).toMatch(/^temporal_worker_start_total/m);
      // Every Temporal metric the Grafana dashboard queries is one this worker serves.
      const temporalMetrics = dashboardMetrics().filter((name) => name.startsWith('temporal_'));
      expect(temporalMetrics.length).toBeGreaterThan(3);
      for (const name of temporalMetrics) expect(text).toContain(`# TYPE ${name} `);
    });
  } finally {
    await handle.terminate('metrics seen');
  }
});
