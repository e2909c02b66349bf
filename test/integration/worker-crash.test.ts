import type { ChildProcess } from 'node:child_process';
import { afterAll, expect, inject, it } from 'vitest';
import { spawnService } from '../../devstack/services.js';
import { stopChild } from '../../devstack/watchdog.js';
import { checkLedger } from '../../ledger/invariants.js';
import { performAction, queryEscrow } from '../../workflows/client.js';
import { useEscrowStack } from '../support/escrow-stack.js';
import { eventually } from '../support/eventually.js';

const ctx = useEscrowStack({ inProcessWorker: false });
const workers: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(workers.map((w) => stopChild(w)));
});

/** The production worker entry point, as its own process, on this file's task queue. */
function startWorkerProcess(): ChildProcess {
  const child = spawnService(
    'worker/main.ts',
    {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      DATABASE_URL: ctx.db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: ctx.temporal.taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      // Several workers at once across files: no metrics port (test/observability has one).
      WORKER_METRICS_PORT: '0',
      ...ctx.stack.pspEnv,
    },
    () => {},
    // This very process is SIGKILLed, not a watchdog in front of it.
    { watched: false },
  );
  workers.push(child);
  return child;
}

it('a worker killed (SIGKILL) mid-payout is replaced and the seller is paid exactly once', async () => {
  const first = startWorkerProcess();
  const created = await ctx.stack.create();
  await ctx.stack.pay(created.paymentLink.url);
  await eventually(async () =>
    expect((await queryEscrow(ctx.temporal.client, created.id)).status).toBe('funded'),
  );
  await performAction(ctx.temporal.client, created.id, 'markShipped', {
    role: 'seller',
    carrier: 'GHN',
    trackingNumber: 'K1',
  });

  // The sandbox pays out, then holds its answer: the payout happened but the worker never hears.
  const fault = await fetch(`${ctx.stack.sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'payout', kind: 'timeout', times: 1, delayMs: 60_000 }),
  });
  expect(fault.ok).toBe(true);
  await performAction(ctx.temporal.client, created.id, 'accept', { role: 'buyer' });
  const payoutsOf = () =>
    ctx.stack.sandbox.records
      .payouts()
      .filter((p) => p.idempotencyKey.startsWith(`escrow:${created.id}:`));
  await eventually(() => expect(payoutsOf()).toHaveLength(1));

  first.kill('SIGKILL');
  startWorkerProcess();

  await eventually(
    async () =>
      expect((await queryEscrow(ctx.temporal.client, created.id)).payout.status).toBe('paid'),
    60_000,
  );
  expect(payoutsOf()).toHaveLength(1);
  expect(payoutsOf()[0]?.amount).toBe('1470000');
  const report = await checkLedger(ctx.db.sql);
  expect(report.violations).toEqual([]);
  expect(report.ok).toBe(true);
}, 120_000);
