import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { checkoutWorkflowId } from '../../workflows/checkout-messages.js';
import { escrowWorkflowId } from '../../workflows/client.js';
import { refundLaneWorkflowId } from '../../workflows/refund-lane-messages.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { type EscrowStack, startEscrowStack } from './escrow-stack.js';
import { recordingHistories, saveHistory } from './histories.js';
import { createTimeSkippingEnv } from './time-skipping.js';

export interface TimeSkippingStack {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  stack: EscrowStack;
}

/**
 * Registers this file's hooks: its own time-skipping server, a fresh database and an escrow
 * stack on them. With RECORD_HISTORIES=1 each test's escrows become replay fixtures
 * (`npm run fixtures:histories`). `afterEachTest` runs after every test (e.g. clear faults).
 * Read the fields inside tests (they are set in beforeAll).
 */
export function useTimeSkippingStack(
  name: string,
  afterEachTest?: (stack: EscrowStack) => Promise<void>,
): TimeSkippingStack {
  const context = {} as TimeSkippingStack;
  beforeAll(async () => {
    [context.env, context.db] = await Promise.all([createTimeSkippingEnv(), createTestDatabase()]);
    context.stack = await startEscrowStack({
      client: context.env.client,
      nativeConnection: context.env.nativeConnection,
      taskQueue: `${name}-${randomUUID()}`,
      sql: context.db.sql,
    });
  });
  let recordedUpTo = 0;
  let checkoutsUpTo = 0;
  afterEach(async (test) => {
    const { stack, env } = context;
    const ids = stack.createdIds.slice(recordedUpTo);
    recordedUpTo = stack.createdIds.length;
    const checkouts = stack.createdCheckoutIds.slice(checkoutsUpTo);
    checkoutsUpTo = stack.createdCheckoutIds.length;
    await afterEachTest?.(stack);
    if (!recordingHistories()) return;
    for (const [index, id] of ids.entries()) {
      await saveHistory(
        env.client,
        escrowWorkflowId(id),
        `${test.task.name}${ids.length > 1 ? ` ${index + 1}` : ''}`,
      );
    }
    for (const [index, id] of checkouts.entries()) {
      await saveHistory(
        env.client,
        checkoutWorkflowId(id),
        `${test.task.name} checkout${checkouts.length > 1 ? ` ${index + 1}` : ''}`,
      );
      // A checkout whose escrows refunded has a refund lane too (none otherwise).
      const lane = refundLaneWorkflowId(id);
      const started = await env.client.workflow
        .getHandle(lane)
        .describe()
        .then(
          () => true,
          () => false,
        );
      if (started) {
        await saveHistory(
          env.client,
          lane,
          `${test.task.name} refund lane${checkouts.length > 1 ? ` ${index + 1}` : ''}`,
        );
      }
    }
  });
  afterAll(async () => {
    await context.stack?.stop();
    await context.env?.teardown();
    await context.db?.drop();
  });
  return context;
}
