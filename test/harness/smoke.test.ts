import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createHarnessActivities } from '../support/harness-activities.js';
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';

let db: TestDatabase;
let temporal: TestTemporal;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  // A scratch table of this test's own: the service schema has no place for it. The owner
  // creates it; the application's role may write it, as any table of a later migration.
  await db.ownerSql`
    create table harness_pings (
      id text primary key,
      message text not null,
      created_at timestamptz not null default now()
    )`;
});
afterAll(async () => {
  await temporal?.close();
  await db?.drop();
});

it('runs a real workflow whose activity writes a row to the test Postgres', async () => {
  const worker = await temporal.createWorker({ activities: createHarnessActivities(db.sql) });
  const id = randomUUID();
  const returned = await worker.runUntil(
    temporal.client.workflow.execute('harnessPingWorkflow', {
      taskQueue: temporal.taskQueue,
      workflowId: `harness:${id}`,
      args: [id, 'hello from a workflow'],
    }),
  );
  expect(returned).toBe(id);
  const rows = await db.sql<
    { message: string }[]
  >`select message from harness_pings where id = ${id}`;
  expect(rows).toEqual([{ message: 'hello from a workflow' }]);
});
