import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../infra/config.js';
import { createPayoutProvider } from '../../psp/from-config.js';
import { createPayosPayoutProvider } from '../../psp/payos/payouts.js';
import type { PayoutInput } from '../../psp/types.js';
import { newTxnRef, payosPayout, usePspFixture } from './harness.js';

const psp = usePspFixture();

const payoutInput = (overrides: Partial<PayoutInput> = {}): PayoutInput => ({
  idempotencyKey: `escrow:${newTxnRef('esc')}:payout:1`,
  amount: 95_000n,
  currency: 'VND',
  destination: { bankCode: 'VCB', accountNumber: '1234567890', accountName: 'NGUYEN VAN A' },
  description: 'Escrow release',
  ...overrides,
});

const permanent = (code: string) => expect.objectContaining({ name: 'PspPermanentError', code });
const transient = (code: string) => expect.objectContaining({ name: 'PspTransientError', code });

const recordsFor = (key: string) =>
  psp.sandbox.records.payouts().filter((payout) => payout.idempotencyKey === key);

const adapter = (overrides: Partial<Parameters<typeof createPayosPayoutProvider>[0]> = {}) =>
  createPayosPayoutProvider({
    baseUrl: psp.sandbox.url,
    ...payosPayout,
    timeoutMs: 5_000,
    ...overrides,
  });

describe('payout', () => {
  it('pays at once by default, once per idempotency key, and finds it again by that key', async () => {
    const input = payoutInput();
    const first = await psp.payouts.payout(input);
    expect(first).toEqual({ status: 'succeeded', payoutId: expect.any(String) });
    expect(await psp.payouts.payout(input)).toEqual(first);
    expect(await psp.payouts.getPayout(input)).toEqual(first);
    expect(recordsFor(input.idempotencyKey)).toMatchObject([
      {
        payoutId: first.payoutId,
        referenceId: input.idempotencyKey,
        status: 'succeeded',
        amount: '95000',
        toBin: '970436',
        toAccountNumber: '1234567890',
        toAccountName: expect.any(String),
        reference: expect.any(String),
        transactionDatetime: expect.any(String),
      },
    ]);
    const byKey = await fetch(
      `${psp.sandbox.url}/_sandbox/payouts/${encodeURIComponent(input.idempotencyKey)}`,
    );
    expect(await byKey.json()).toMatchObject({ payoutId: first.payoutId });
  });

  it('knows nothing of a key it was never sent', async () => {
    expect(await psp.payouts.getPayout(payoutInput())).toEqual({ status: 'not_found' });
  });

  it('answers pending, and getPayout sees it PROCESSING for the armed reads, then succeeded', async () => {
    await psp.armFault({ operation: 'payout', kind: 'pending', pendingQueries: 2 });
    const input = payoutInput();
    const accepted = await psp.payouts.payout(input);
    expect(accepted).toEqual({ status: 'pending', payoutId: expect.any(String) });
    const pending = { status: 'pending', payoutId: accepted.payoutId };
    expect(await psp.payouts.getPayout(input)).toEqual(pending);
    expect(await psp.payouts.getPayout(input)).toEqual(pending);
    expect(await psp.payouts.getPayout(input)).toEqual({
      status: 'succeeded',
      payoutId: accepted.payoutId,
    });
    expect(recordsFor(input.idempotencyKey)).toMatchObject([
      { status: 'succeeded', toAccountName: expect.any(String), errorCode: null },
    ]);
  });

  it('answers pending, then getPayout reports the failure with the code and reason', async () => {
    await psp.armFault({
      operation: 'payout',
      kind: 'pending',
      pendingQueries: 1,
      outcome: 'failed',
    });
    const input = payoutInput();
    const accepted = await psp.payouts.payout(input);
    expect(accepted.status).toBe('pending');
    expect(await psp.payouts.getPayout(input)).toMatchObject({ status: 'pending' });
    expect(await psp.payouts.getPayout(input)).toEqual({
      status: 'failed',
      payoutId: accepted.payoutId,
      code: 'declined',
      reason: expect.stringContaining('DECLINED'),
    });
    expect(recordsFor(input.idempotencyKey)).toMatchObject([
      { status: 'failed', errorCode: 'DECLINED', errorMessage: expect.any(String) },
    ]);
  });

  it('turns a decline into a permanent error, the same on retry, and reports it failed', async () => {
    await psp.armFault({ operation: 'payout', kind: 'decline' });
    const input = payoutInput();
    await expect(psp.payouts.payout(input)).rejects.toEqual(permanent('declined'));
    await expect(psp.payouts.payout(input)).rejects.toEqual(permanent('declined'));
    expect(await psp.payouts.getPayout(input)).toMatchObject({
      status: 'failed',
      code: 'declined',
    });
    expect(recordsFor(input.idempotencyKey)).toHaveLength(1);
  });

  it('fails a payout to an account that does not exist', async () => {
    const input = payoutInput({
      destination: { bankCode: 'TCB', accountNumber: '000111222', accountName: 'WRONG' },
    });
    await expect(psp.payouts.payout(input)).rejects.toEqual(permanent('declined'));
    expect(recordsFor(input.idempotencyKey)).toMatchObject([
      { status: 'failed', toBin: '970407', errorCode: 'INVALID_ACCOUNT' },
    ]);
  });

  it('a request that times out is found by getPayout under its key: one payout, never two', async () => {
    await psp.armFault({ operation: 'payout', kind: 'timeout', delayMs: 2_000 });
    const input = payoutInput();
    await expect(psp.impatientPayouts.payout(input)).rejects.toEqual(transient('timeout'));
    // What the activity does on its retry: ask first, send only if payOS never heard of it.
    const known = await psp.impatientPayouts.getPayout(input);
    if (known.status !== 'succeeded') throw new Error(`the payout is ${known.status}`);
    expect(recordsFor(input.idempotencyKey)).toMatchObject([{ payoutId: known.payoutId }]);
    // Even a blind resend under the same key gets the payout already made.
    expect(await psp.payouts.payout(input)).toEqual(known);
    expect(recordsFor(input.idempotencyKey)).toHaveLength(1);
  });

  it('turns a 500 into a transient error without retrying by itself; the retry pays once', async () => {
    await psp.armFault({ operation: 'payout', kind: 'http500' });
    const input = payoutInput();
    await expect(psp.payouts.payout(input)).rejects.toEqual(transient('server_error'));
    expect(recordsFor(input.idempotencyKey)).toHaveLength(0);
    await expect(psp.payouts.payout(input)).resolves.toMatchObject({ status: 'succeeded' });
    expect(recordsFor(input.idempotencyKey)).toHaveLength(1);
  });

  it('turns a delay shorter than the timeout into a slow success', async () => {
    await psp.armFault({ operation: 'payout', kind: 'delay', delayMs: 150 });
    const started = Date.now();
    await expect(psp.payouts.payout(payoutInput())).resolves.toMatchObject({
      status: 'succeeded',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('refuses the same key for a different payout', async () => {
    const input = payoutInput();
    await psp.payouts.payout(input);
    await expect(psp.payouts.payout({ ...input, amount: 1n })).rejects.toEqual(
      permanent('idempotency_conflict'),
    );
    expect(recordsFor(input.idempotencyKey)).toMatchObject([{ amount: '95000' }]);
  });

  it('reports wrong payout credentials as misconfiguration, and sends nothing that pays', async () => {
    const input = payoutInput();
    const wrongChecksum = adapter({ checksumKey: 'not-the-payout-checksum-key-000000' });
    await expect(wrongChecksum.payout(input)).rejects.toEqual(permanent('misconfigured'));
    const wrongApiKey = adapter({ apiKey: 'not-the-payout-api-key-0000000' });
    await expect(wrongApiKey.payout(input)).rejects.toEqual(permanent('misconfigured'));
    await expect(wrongApiKey.getPayout(input)).rejects.toEqual(permanent('misconfigured'));
    expect(recordsFor(input.idempotencyKey)).toHaveLength(0);
  });

  it('refuses what payOS cannot pay to before sending: unknown bank, currency, amount', async () => {
    const unknownBank = payoutInput({
      destination: { bankCode: 'NOPE', accountNumber: '1234567890', accountName: 'A' },
    });
    await expect(psp.payouts.payout(unknownBank)).rejects.toEqual(permanent('invalid_destination'));
    await expect(psp.payouts.payout(payoutInput({ currency: 'USD' }))).rejects.toEqual(
      permanent('unsupported_currency'),
    );
    await expect(psp.payouts.payout(payoutInput({ amount: 0n }))).rejects.toEqual(
      permanent('invalid_amount'),
    );
    expect(recordsFor(unknownBank.idempotencyKey)).toHaveLength(0);

    const byBin = payoutInput({
      destination: { bankCode: '970418', accountNumber: '1234567890', accountName: 'A' },
    });
    await psp.payouts.payout(byBin);
    expect(recordsFor(byBin.idempotencyKey)).toMatchObject([{ toBin: '970418' }]);
  });

  it('is the payout rail the configuration builds, with the PAYOS_PAYOUT_* settings', async () => {
    const configured = createPayoutProvider(
      parseConfig({
        PAYOS_PAYOUT_URL: psp.sandbox.url,
        PAYOS_PAYOUT_CLIENT_ID: payosPayout.clientId,
        PAYOS_PAYOUT_API_KEY: payosPayout.apiKey,
        PAYOS_PAYOUT_CHECKSUM_KEY: payosPayout.checksumKey,
      }),
    );
    expect(configured).toMatchObject({ name: 'payos', currencies: ['VND'] });
    const input = payoutInput();
    await expect(configured.payout(input)).resolves.toMatchObject({ status: 'succeeded' });
    expect(recordsFor(input.idempotencyKey)).toHaveLength(1);
    // The public development keys are not the sandbox's here: refused, not paid.
    const defaults = createPayoutProvider(parseConfig({ PAYOS_PAYOUT_URL: psp.sandbox.url }));
    await expect(defaults.payout(payoutInput())).rejects.toEqual(permanent('misconfigured'));
  });

  it('turns an unreachable payOS into a transient network error', async () => {
    const nobodyHome = adapter({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2_000 });
    await expect(nobodyHome.payout(payoutInput())).rejects.toEqual(transient('network'));
  });
});

/** payOS's answers, passed through with `tamper` applied: what a man in the middle could send. */
async function tamperingProxy(
  target: string,
  tamper: (answer: { body: string; signature: string | null }) => {
    body: string;
    signature: string | null;
  },
) {
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const headers: Record<string, string> = {};
    for (const name of [
      'content-type',
      'x-client-id',
      'x-api-key',
      'x-signature',
      'x-idempotency-key',
    ]) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await fetch(`${target}${request.url}`, {
      method: request.method ?? 'GET',
      headers,
      ...(request.method === 'POST' ? { body } : {}),
    });
    const forged = tamper({
      body: await answer.text(),
      signature: answer.headers.get('x-signature'),
    });
    response.writeHead(answer.status, {
      'content-type': 'application/json',
      ...(forged.signature === null ? {} : { 'x-signature': forged.signature }),
    });
    response.end(forged.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('answers not signed by payOS', () => {
  it('refuses an answer without x-signature, to a payout and to a status query', async () => {
    const proxy = await tamperingProxy(psp.sandbox.url, ({ body }) => ({ body, signature: null }));
    try {
      const unsigned = adapter({ baseUrl: proxy.url });
      const input = payoutInput();
      await expect(unsigned.payout(input)).rejects.toEqual(permanent('invalid_response'));
      await expect(unsigned.getPayout(input)).rejects.toEqual(permanent('invalid_response'));
      const now = new Date();
      await expect(
        unsigned.listPayouts({ from: new Date(now.getTime() - 60_000), to: now }),
      ).rejects.toEqual(permanent('invalid_response'));
    } finally {
      await proxy.stop();
    }
  });

  it('refuses a declined payout forged into a success under the original signature', async () => {
    const proxy = await tamperingProxy(psp.sandbox.url, ({ body, signature }) => ({
      body: body.replaceAll('"FAILED"', '"SUCCEEDED"').replaceAll('"DECLINED"', 'null'),
      signature,
    }));
    try {
      await psp.armFault({ operation: 'payout', kind: 'decline' });
      const forged = adapter({ baseUrl: proxy.url });
      await expect(forged.payout(payoutInput())).rejects.toEqual(permanent('invalid_response'));
    } finally {
      await proxy.stop();
    }
  });

  it('accepts the same answers passed through untouched', async () => {
    const proxy = await tamperingProxy(psp.sandbox.url, (answer) => answer);
    try {
      const input = payoutInput();
      const passed = adapter({ baseUrl: proxy.url });
      const made = await passed.payout(input);
      expect(made.status).toBe('succeeded');
      expect(await passed.getPayout(input)).toEqual(made);
    } finally {
      await proxy.stop();
    }
  });
});

describe('listPayouts', () => {
  it("returns the period's payouts with their keys, amounts and states, page by page", async () => {
    const from = new Date();
    const paid = payoutInput({ amount: 10_000n });
    const pending = payoutInput({ amount: 20_000n });
    const declined = payoutInput({ amount: 30_000n });
    await psp.payouts.payout(paid);
    await psp.armFault({ operation: 'payout', kind: 'pending', pendingQueries: 5 });
    await psp.payouts.payout(pending);
    await psp.armFault({ operation: 'payout', kind: 'decline' });
    await expect(psp.payouts.payout(declined)).rejects.toEqual(permanent('declined'));
    const to = new Date(Date.now() + 1);

    // Two per page: three payouts take two requests.
    const listed = await adapter({ pageSize: 2 }).listPayouts({ from, to });
    const sent = [paid, pending, declined].map((p) => p.idempotencyKey);
    expect(listed.filter((r) => sent.includes(r.idempotencyKey))).toEqual([
      expect.objectContaining({
        idempotencyKey: paid.idempotencyKey,
        amount: 10_000n,
        currency: 'VND',
        status: 'succeeded',
      }),
      expect.objectContaining({
        idempotencyKey: pending.idempotencyKey,
        amount: 20_000n,
        status: 'pending',
      }),
      expect.objectContaining({
        idempotencyKey: declined.idempotencyKey,
        amount: 30_000n,
        status: 'failed',
      }),
    ]);
    for (const record of listed) {
      expect(record.createdAt.getTime()).toBeLessThan(to.getTime());
      expect(record.payoutId).toEqual(expect.any(String));
    }

    const before = await psp.payouts.listPayouts({
      from: new Date(from.getTime() - 3_600_000),
      to: new Date(from.getTime() - 1_000),
    });
    expect(before.filter((r) => sent.includes(r.idempotencyKey))).toEqual([]);
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
    await expect(psp.payouts.payout(payoutInput())).rejects.toEqual(transient('server_error'));
    const armed = await (await fetch(`${psp.sandbox.url}/_sandbox/faults`)).json();
    expect(armed).toMatchObject([{ operation: 'payout', kind: 'http500', remaining: 1 }]);
    await expect(psp.payouts.payout(payoutInput())).rejects.toEqual(transient('server_error'));
    await expect(psp.payouts.payout(payoutInput())).resolves.toMatchObject({
      status: 'succeeded',
    });

    await psp.armFault({ operation: 'payout', kind: 'http500', times: 5 });
    await fetch(`${psp.sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
    await expect(psp.payouts.payout(payoutInput())).resolves.toMatchObject({
      status: 'succeeded',
    });
  });
});
