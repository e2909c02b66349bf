import { describe, expect, it } from 'vitest';
import { PspPermanentError } from '../../psp/types.js';
import { createVnpayProvider } from '../../psp/vnpay/adapter.js';
import { newTxnRef, tmnCode, usePspFixture } from './harness.js';

const psp = usePspFixture();
const payoutInput = (accountNumber = '1234567890') => ({
  idempotencyKey: `escrow:${newTxnRef('payout')}:payout`,
  amount: 95_000n,
  currency: 'VND',
  destination: { bankCode: 'VCB', accountNumber, accountName: 'NGUYEN VAN A' },
  description: 'Escrow release',
});

const permanent = (code: string) => expect.objectContaining({ name: 'PspPermanentError', code });
const transient = (code: string) => expect.objectContaining({ name: 'PspTransientError', code });

const recordsFor = async (key: string) => {
  const response = await fetch(`${psp.sandbox.url}/_sandbox/payouts`);
  const payouts = (await response.json()) as Array<{ idempotencyKey: string }>;
  return payouts.filter((payout) => payout.idempotencyKey === key);
};

describe('payout', () => {
  it('pays out once per idempotency key', async () => {
    const input = payoutInput();
    const first = await psp.provider.payout(input);
    const second = await psp.provider.payout(input);
    expect(first).toEqual({ payoutId: expect.stringMatching(/^po_/), status: 'succeeded' });
    expect(second).toEqual(first);
    expect(await recordsFor(input.idempotencyKey)).toMatchObject([
      { payoutId: first.payoutId, status: 'succeeded', amount: '95000', currency: 'VND' },
    ]);
    const byKey = await fetch(
      `${psp.sandbox.url}/_sandbox/payouts/${encodeURIComponent(input.idempotencyKey)}`,
    );
    expect(await byKey.json()).toMatchObject({ payoutId: first.payoutId });
  });

  it('refuses an account that does not exist, permanently, and the same again on retry', async () => {
    const input = payoutInput('000111222');
    const attempt = psp.provider.payout(input);
    await expect(attempt).rejects.toBeInstanceOf(PspPermanentError);
    await expect(attempt).rejects.toEqual(permanent('invalid_destination'));
    await expect(psp.provider.payout(input)).rejects.toEqual(permanent('invalid_destination'));
    expect(await recordsFor(input.idempotencyKey)).toMatchObject([
      { status: 'failed', failure: { code: 'invalid_destination' } },
    ]);
  });

  it('refuses the same key for a different payout', async () => {
    const input = payoutInput();
    await psp.provider.payout(input);
    await expect(psp.provider.payout({ ...input, amount: 1n })).rejects.toEqual(
      permanent('idempotency_conflict'),
    );
  });

  it('declines when a payout decline fault is armed', async () => {
    await psp.armFault({ operation: 'payout', kind: 'decline' });
    await expect(psp.provider.payout(payoutInput())).rejects.toEqual(permanent('declined'));
  });

  it('turns a 500 into a transient error; the retry pays once', async () => {
    await psp.armFault({ operation: 'payout', kind: 'http500' });
    const input = payoutInput();
    await expect(psp.provider.payout(input)).rejects.toEqual(transient('server_error'));
    await psp.provider.payout(input);
    expect(await recordsFor(input.idempotencyKey)).toHaveLength(1);
  });

  it('turns a timeout into a transient error; the retry gets the payout already made', async () => {
    await psp.armFault({ operation: 'payout', kind: 'timeout', delayMs: 2_000 });
    const input = payoutInput();
    await expect(psp.impatientProvider.payout(input)).rejects.toEqual(transient('timeout'));
    const retried = await psp.impatientProvider.payout(input);
    expect(await recordsFor(input.idempotencyKey)).toMatchObject([{ payoutId: retried.payoutId }]);
  });

  it('turns a delay shorter than the timeout into a slow success', async () => {
    await psp.armFault({ operation: 'payout', kind: 'delay', delayMs: 150 });
    const started = Date.now();
    await expect(psp.provider.payout(payoutInput())).resolves.toMatchObject({
      status: 'succeeded',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('reports a wrong hash secret as misconfiguration, and a network failure as transient', async () => {
    const wrongSecret = createVnpayProvider({
      baseUrl: psp.sandbox.url,
      tmnCode,
      hashSecret: 'not-the-secret-0000000000000000',
      timeoutMs: 2_000,
    });
    await expect(wrongSecret.payout(payoutInput())).rejects.toEqual(permanent('misconfigured'));
    const nobodyHome = createVnpayProvider({
      baseUrl: 'http://127.0.0.1:9',
      tmnCode,
      hashSecret: 'x'.repeat(32),
      timeoutMs: 2_000,
    });
    await expect(nobodyHome.payout(payoutInput())).rejects.toEqual(transient('network'));
  });
});

describe('fault API', () => {
  it('refuses faults that do not apply to an operation', async () => {
    const response = await fetch(`${psp.sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'query', kind: 'decline' }),
    });
    expect(response.status).toBe(400);
  });

  it('applies a fault `times` times, lists it while armed and clears it on DELETE', async () => {
    await psp.armFault({ operation: 'payout', kind: 'http500', times: 2 });
    await expect(psp.provider.payout(payoutInput())).rejects.toEqual(transient('server_error'));
    const armed = await (await fetch(`${psp.sandbox.url}/_sandbox/faults`)).json();
    expect(armed).toMatchObject([{ operation: 'payout', kind: 'http500', remaining: 1 }]);
    await expect(psp.provider.payout(payoutInput())).rejects.toEqual(transient('server_error'));
    await expect(psp.provider.payout(payoutInput())).resolves.toMatchObject({
      status: 'succeeded',
    });

    await psp.armFault({ operation: 'payout', kind: 'http500', times: 5 });
    await fetch(`${psp.sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
    await expect(psp.provider.payout(payoutInput())).resolves.toMatchObject({
      status: 'succeeded',
    });
  });
});
