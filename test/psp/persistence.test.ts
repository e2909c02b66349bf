import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createAndDecide, IpnReceiver, type PspFixture, startPspFixture } from './harness.js';

let dir: string;
const running: PspFixture[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'psp-sandbox-'));
});
afterEach(async () => {
  for (const psp of running.splice(0)) await psp.stop();
  await rm(dir, { recursive: true, force: true });
});

const start = async (options: Parameters<typeof startPspFixture>[0]) => {
  const psp = await startPspFixture(options);
  running.push(psp);
  return psp;
};

it('keeps payments, refunds and payouts in the data file across restarts', async () => {
  const dataFile = join(dir, 'nested', 'sandbox.json');
  const before = await start({ dataFile });
  const payment = await createAndDecide(before.provider, { amount: 50_000n });
  await before.receiver.waitFor(payment.txnRef, 1);
  const refundInput = {
    idempotencyKey: 'escrow:p1:refund',
    txnRef: payment.txnRef,
    providerTransactionId: payment.transactionNo,
    transactionDate: payment.createdAt,
    amount: 10_000n,
    currency: 'VND',
    full: false,
    reason: 'partial',
  };
  const refund = await before.provider.refund(refundInput);
  if (refund.status !== 'succeeded') throw new Error(`the refund is ${refund.status}`);
  const payoutInput = {
    idempotencyKey: 'escrow:p1:payout:1',
    amount: 40_000n,
    currency: 'VND',
    destination: { bankCode: 'VCB', accountNumber: '123456789', accountName: 'B' },
    description: 'release',
  };
  const payout = await before.payouts.payout(payoutInput);
  await before.armFault({ operation: 'payout', kind: 'pending', pendingQueries: 1 });
  const slowPayout = { ...payoutInput, idempotencyKey: 'escrow:p2:payout:1' };
  const slow = await before.payouts.payout(slowPayout);
  expect(slow.status).toBe('pending');
  await before.stop();
  running.splice(0);
  expect(JSON.parse(await readFile(dataFile, 'utf8'))).toMatchObject({
    payments: [{ txnRef: payment.txnRef }],
  });

  const after = await start({ dataFile });
  expect(after.sandbox.records.payment(payment.txnRef)).toMatchObject({
    status: 'paid',
    refundedAmount: '10000',
  });
  expect(await after.provider.refund(refundInput)).toEqual(refund);
  // The same request gets the stored answer; the payout is found under its key.
  expect(await after.payouts.payout(payoutInput)).toEqual(payout);
  expect(await after.payouts.getPayout(payoutInput)).toEqual(payout);
  expect(after.sandbox.records.refunds()).toHaveLength(1);
  // A pending payout goes on counting its reads where it was.
  expect(await after.payouts.getPayout(slowPayout)).toEqual(slow);
  expect(await after.payouts.getPayout(slowPayout)).toEqual({ ...slow, status: 'succeeded' });
  expect(after.sandbox.records.payouts()).toHaveLength(2);
  // Transaction numbers keep counting instead of starting over.
  const next = await createAndDecide(after.provider);
  expect(BigInt(next.transactionNo)).toBeGreaterThan(BigInt(String(refund.refundId)));
});

it('resumes an unacknowledged IPN after a restart', async () => {
  const dataFile = join(dir, 'sandbox.json');
  const receiver = await IpnReceiver.start();
  try {
    // A long backoff: the first run stops while waiting to retry.
    const before = await start({
      dataFile,
      ipnUrl: receiver.url,
      ipnRetry: { attempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000, timeoutMs: 1_000 },
    });
    receiver.replyWith({ RspCode: '99' });
    const payment = await createAndDecide(before.provider);
    await receiver.waitFor(payment.txnRef, 1);
    await expect
      .poll(() => before.sandbox.records.payment(payment.txnRef)?.ipn[0]?.attempts)
      .toHaveLength(1);
    await before.stop();
    running.splice(0);

    const after = await start({ dataFile, ipnUrl: receiver.url });
    await receiver.waitFor(payment.txnRef, 2);
    await expect
      .poll(() => after.sandbox.records.payment(payment.txnRef)?.ipn[0])
      .toMatchObject({ acknowledged: true, attempts: [{ rspCode: '99' }, { rspCode: '00' }] });
  } finally {
    await receiver.stop();
  }
});
