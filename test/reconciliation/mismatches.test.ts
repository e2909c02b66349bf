import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.js';
import { RECONCILIATION_MISMATCH } from '../../domain/reconciliation.js';
import { postEscrowMovement } from '../../ledger/escrow-movements.js';
import { listReports } from '../../store/reconciliation.js';
import { queryEscrow } from '../../workflows/client.js';
import { ensureReconciliationSchedule } from '../../workflows/reconciliation-schedule.js';
import { publishedResponseSchema } from '../api/published-schema.js';
import { testTerms, useEscrowStack } from '../support/escrow-stack.js';
import { eventLog } from '../support/event-log.js';
import { eventually } from '../support/eventually.js';
import { armFault, attentionOf, fundedEscrow, recorded, released } from './helpers.js';

const ctx = useEscrowStack();
// payOS keeps whole seconds: a period starting a little before the first record holds them all.
const since = new Date(Date.now() - 5_000);

interface Injected {
  kind: string;
  reference: string;
  escrowId: string | null;
  fixed: boolean;
}
const injected: Injected[] = [];
let lost: string; // paid at the rail, its IPN dropped: the pass delivers it
let misbooked: string; // the ledger booked another amount than the rail took
let paidTwice: string; // a payout only the ledger knows, another only the rail knows
let bookedDeclined: string; // a payout the rail declined and the ledger booked as paid

beforeAll(async () => {
  const { sql } = ctx.db;
  const destination = testTerms().payoutDestination;

  const lostTerms = testTerms();
  lost = lostTerms.escrowId;
  const lostLink = (await ctx.stack.create(lostTerms)).paymentLink;
  await armFault(ctx, { operation: 'ipn', kind: 'drop' });
  const lostPayment = await ctx.stack.pay(lostLink.url);
  injected.push({
    kind: 'missing_in_ledger',
    reference: `escrow:${lost}:funding:${lostPayment.transactionNo}`,
    escrowId: lost,
    fixed: true,
  });

  const misbookedTerms = testTerms();
  misbooked = misbookedTerms.escrowId;
  const misbookedLink = (await ctx.stack.create(misbookedTerms)).paymentLink;
  await armFault(ctx, { operation: 'ipn', kind: 'drop' });
  const misbookedPayment = await ctx.stack.pay(misbookedLink.url);
  // What a bug in booking would leave: the rail took 1,500,000, the ledger says 1,000,000.
  await postEscrowMovement(sql, misbookedTerms, 99, {
    kind: 'funding',
    amount: 1_000_000,
    paymentTransactionId: misbookedPayment.transactionNo,
  });
  injected.push({
    kind: 'amount_differs',
    reference: `escrow:${misbooked}:funding:${misbookedPayment.transactionNo}`,
    escrowId: misbooked,
    fixed: false,
  });

  // Released, its payout declined (voided in the ledger, failed at the rail: they agree), then
  // a payout booked as paid that never went out, and one the rail made that was never booked.
  const twice = await fundedEscrow(ctx);
  paidTwice = twice.id;
  const twiceTerms = { ...testTerms(), escrowId: paidTwice };
  await armFault(ctx, { operation: 'payout', kind: 'decline' });
  await released(ctx, paidTwice);
  await recorded(ctx, paidTwice, 'payout_failed');
  await postEscrowMovement(sql, twiceTerms, 98, {
    kind: 'payout_reserve',
    amount: 1_470_000,
    attempt: 2,
  });
  await postEscrowMovement(sql, twiceTerms, 99, { kind: 'payout_settle', attempt: 2 });
  injected.push({
    kind: 'missing_at_rail',
    reference: `escrow:${paidTwice}:payout:2`,
    escrowId: paidTwice,
    fixed: false,
  });
  const unbooked = `escrow:${paidTwice}:payout:9`;
  await ctx.stack.payouts.payout({
    idempotencyKey: unbooked,
    amount: 5_000n,
    currency: 'VND',
    destination,
    description: 'not from the engine',
  });
  injected.push({
    kind: 'missing_in_ledger',
    reference: unbooked,
    escrowId: paidTwice,
    fixed: false,
  });

  // Its payout declined too; sent again by hand, declined again, and booked as paid anyway.
  const declined = await fundedEscrow(ctx);
  bookedDeclined = declined.id;
  const declinedTerms = { ...testTerms(), escrowId: bookedDeclined };
  await armFault(ctx, { operation: 'payout', kind: 'decline' });
  await released(ctx, bookedDeclined);
  await recorded(ctx, bookedDeclined, 'payout_failed');
  const again = `escrow:${bookedDeclined}:payout:2`;
  await armFault(ctx, { operation: 'payout', kind: 'decline' });
  await expect(
    ctx.stack.payouts.payout({
      idempotencyKey: again,
      amount: 1_470_000n,
      currency: 'VND',
      destination,
      description: 'sent again',
    }),
  ).rejects.toThrow(/declined/);
  await postEscrowMovement(sql, declinedTerms, 98, {
    kind: 'payout_reserve',
    amount: 1_470_000,
    attempt: 2,
  });
  await postEscrowMovement(sql, declinedTerms, 99, { kind: 'payout_settle', attempt: 2 });
  injected.push({
    kind: 'status_differs',
    reference: again,
    escrowId: bookedDeclined,
    fixed: false,
  });

  // A transfer someone made at the rail by hand: no escrow to flag, the report shows it.
  const foreign = `manual-${randomUUID()}`;
  await ctx.stack.payouts.payout({
    idempotencyKey: foreign,
    amount: 7_000n,
    currency: 'VND',
    destination,
    description: 'by hand',
  });
  injected.push({ kind: 'missing_in_ledger', reference: foreign, escrowId: null, fixed: false });
});

const storedMismatches = async () =>
  (await listReports(ctx.db.sql, { limit: 100 })).reports
    .flatMap((r) => r.mismatches)
    .map(({ kind, reference, escrowId, fixed }) => ({ kind, reference, escrowId, fixed }));

const byReference = (list: Injected[]) =>
  [...list].sort((a, b) => `${a.reference}${a.kind}`.localeCompare(`${b.reference}${b.kind}`));

/** `npm run reconcile` against this file's stack, as ops would run it. */
async function runReconcileCommand(from: Date) {
  const { VNPAY_URL: _sandboxAsVnpay, ...psp } = ctx.stack.pspEnv;
  const child = spawn('npm', ['run', '--silent', 'reconcile', '--', '--from', from.toISOString()], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...psp,
      // VNPAY_URL unset: the rail is the sandbox, whose records are listed.
      PSP_SANDBOX_PORT: new URL(ctx.stack.sandbox.url).port,
      DATABASE_URL: ctx.db.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: ctx.temporal.taskQueue,
      RECONCILE_SETTLE_LAG: 'PT0S',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

describe('reconciliation finds each injected mismatch once', () => {
  it('npm run reconcile: one JSON line, every mismatch stored, the lost payment fixed', async () => {
    // Periods are whole seconds and end now: what was made in this second is the next pass's.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const { code, stdout, stderr } = await runReconcileCommand(since);
    const lines = stdout.trimEnd().split('\n');
    expect(lines, stderr).toHaveLength(1);
    // Movements compared: four payments, two declined payouts, the three injected payouts and
    // the transfer by hand.
    expect(JSON.parse(lines[0] ?? '')).toEqual({ checked: 10, fixed: 1, mismatches: 6 });
    expect(code, 'exit 1: mismatches it could not fix').toBe(1);
    expect(byReference(await storedMismatches())).toEqual(byReference(injected));
  });

  it('a second pass over the same period adds none (run by the workflow on the worker)', async () => {
    // The delivered payment is booked now: its funding entry agrees with the rail.
    await recorded(ctx, lost, 'payment_confirmed');
    const summary = await ctx.temporal.client.workflow.execute('reconciliationWorkflow', {
      taskQueue: ctx.temporal.taskQueue,
      workflowId: `reconciliation-test-${randomUUID()}`,
      args: [{ everyMs: 3_600_000, settleLagMs: 0, from: since.toISOString() }],
    });
    expect(summary).toEqual({ checked: 10, fixed: 0, mismatches: 0 });
    expect(await storedMismatches()).toHaveLength(injected.length);
  });

  it('the lost payment funded its escrow; the others are flagged for ops with the reason', async () => {
    expect((await queryEscrow(ctx.temporal.client, lost)).status).toBe('funded');
    expect(await attentionOf(ctx, lost)).not.toContain(RECONCILIATION_MISMATCH);
    for (const escrowId of [misbooked, paidTwice, bookedDeclined]) {
      await eventually(async () => {
        const view = await queryEscrow(ctx.temporal.client, escrowId);
        expect(view.needsAttention).toBe(true);
        expect(view.attentionReasons).toContain(RECONCILIATION_MISMATCH);
      });
      // The flag is an event of the escrow, so its webhook goes out too.
      await eventually(async () => {
        const flags = (await eventLog(ctx.db.sql, escrowId)).filter(
          (e) => e.type === 'attention_flagged',
        );
        const expected = injected.filter((m) => m.escrowId === escrowId).length;
        expect(flags).toHaveLength(expected);
        expect(flags.every((f) => f.data.reason === RECONCILIATION_MISMATCH)).toBe(true);
      });
    }
  });

  it('GET /v1/reconciliation/reports (ops) lists exactly the injected mismatches, page by page', async () => {
    const get = async (query: string) => {
      const response = await fetch(`${ctx.stack.apiUrl}/v1/reconciliation/reports${query}`, {
        headers: { authorization: `Bearer ${ctx.stack.apiSettings.opsApiKey}` },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as {
        data: Array<{ mismatches: Array<Injected & { movement: string }> }>;
        nextCursor: string | null;
      };
    };
    const all = await get('');
    const document = await (await fetch(`${ctx.stack.apiUrl}/openapi.json`)).json();
    const conforms = publishedResponseSchema(
      document,
      'GET',
      '/v1/reconciliation/reports',
      200,
    ).safeParse(all);
    expect(conforms.error?.issues ?? []).toEqual([]);
    // Newest first: the second pass found nothing new, the first everything.
    expect(all.data.map((r) => r.mismatches.length)).toEqual([0, injected.length]);
    const listed = all.data
      .flatMap((r) => r.mismatches)
      .map(({ kind, reference, escrowId, fixed }) => ({ kind, reference, escrowId, fixed }));
    expect(byReference(listed)).toEqual(byReference(injected));

    const first = await get('?limit=1');
    expect(first.data).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await get(`?limit=1&cursor=${first.nextCursor}`);
    expect(second.data[0]?.mismatches).toHaveLength(injected.length);
    expect(second.nextCursor).toBeNull();
  });

  it('the schedule: created once, updated when the worker starts again, a run starts where the last pass ended', async () => {
    const client = ctx.temporal.client;
    const options = {
      taskQueue: ctx.temporal.taskQueue,
      settleLagMs: 0,
      scheduleId: `reconciliation-test-${randomUUID()}`,
    };
    const handle = await ensureReconciliationSchedule(client, { ...options, everyMs: 3_600_000 });
    try {
      await ensureReconciliationSchedule(client, { ...options, everyMs: 7_200_000 });
      const described = await handle.describe();
      expect(described.spec.intervals?.map((i) => i.every)).toEqual([7_200_000]);
      const before = (await listReports(ctx.db.sql, { limit: 1 })).reports[0];
      await handle.trigger();
      await eventually(async () => {
        const [latest] = (await listReports(ctx.db.sql, { limit: 1 })).reports;
        expect(latest?.id).not.toBe(before?.id);
        expect(latest?.finishedAt).toBeInstanceOf(Date);
        expect(latest?.periodFrom).toEqual(before?.periodTo);
        expect(latest?.mismatches).toEqual([]);
      });
    } finally {
      await handle.delete();
    }
  });
});
