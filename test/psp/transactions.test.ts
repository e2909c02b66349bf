import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PspPermanentError, PspTransientError } from '../../psp/types.js';
import { createVnpayProvider } from '../../psp/vnpay/adapter.js';
import { requestIdFor } from '../../psp/vnpay/fields.js';
import {
  createAndDecide,
  hashSecret,
  newTxnRef,
  type PaidPayment,
  tmnCode,
  usePspFixture,
} from './harness.js';

let refundCount = 0;
const psp = usePspFixture();

const refundOf = (
  payment: PaidPayment,
  amount: bigint,
  { key = `escrow:${payment.txnRef}:refund:${++refundCount}`, full = false } = {},
) => ({
  idempotencyKey: key,
  txnRef: payment.txnRef,
  providerTransactionId: payment.transactionNo,
  transactionDate: payment.createdAt,
  amount,
  currency: 'VND',
  full,
  reason: 'Hoàn tiền cho người mua',
});

const permanent = (code: string) => expect.objectContaining({ name: 'PspPermanentError', code });
const transient = (code: string) => expect.objectContaining({ name: 'PspTransientError', code });

describe('refund', () => {
  it('refunds a payment in full, once', async () => {
    const payment = await createAndDecide(psp.provider, { amount: 100_000n });
    const refund = await psp.provider.refund(refundOf(payment, 100_000n, { full: true }));
    expect(refund).toEqual({ refundId: expect.any(String), status: 'succeeded' });
    expect(psp.sandbox.records.payment(payment.txnRef)?.refundedAmount).toBe('100000');
    expect(psp.sandbox.records.refunds().filter((r) => r.txnRef === payment.txnRef)).toMatchObject([
      { transactionType: '02', amount: '100000', transactionNo: refund.refundId },
    ]);
    await expect(psp.provider.refund(refundOf(payment, 1n))).rejects.toEqual(
      permanent('invalid_amount'),
    );
  });

  it('refunds in parts, never more than was paid in total', async () => {
    const payment = await createAndDecide(psp.provider, { amount: 100_000n });
    await psp.provider.refund(refundOf(payment, 30_000n));
    await psp.provider.refund(refundOf(payment, 50_000n));
    const over = psp.provider.refund(refundOf(payment, 30_000n));
    await expect(over).rejects.toBeInstanceOf(PspPermanentError);
    await expect(over).rejects.toEqual(permanent('invalid_amount'));
    await psp.provider.refund(refundOf(payment, 20_000n));
    expect(psp.sandbox.records.payment(payment.txnRef)?.refundedAmount).toBe('100000');
    // A full refund after partial ones would refund more than the rest.
    const other = await createAndDecide(psp.provider, { amount: 100_000n });
    await psp.provider.refund(refundOf(other, 10_000n));
    await expect(psp.provider.refund(refundOf(other, 100_000n, { full: true }))).rejects.toEqual(
      permanent('invalid_amount'),
    );
  });

  it('answers a repeated request id with the original refund, found through querydr', async () => {
    const payment = await createAndDecide(psp.provider, { amount: 100_000n });
    const input = refundOf(payment, 40_000n, { key: `escrow:${payment.txnRef}:refund` });
    const first = await psp.provider.refund(input);
    const again = await psp.provider.refund(input);
    expect(again).toEqual(first);
    const records = psp.sandbox.records.refunds().filter((r) => r.txnRef === payment.txnRef);
    expect(records).toHaveLength(1);
    expect(records[0]?.requestId).toBe(requestIdFor(input.idempotencyKey));
    expect(psp.sandbox.records.payment(payment.txnRef)?.refundedAmount).toBe('40000');
    // The same key for a different refund is a bug in the caller: VNPay answers 94 and querydr
    // shows no refund of that amount, so it is retried, never made.
    await expect(psp.provider.refund({ ...input, amount: 10_000n })).rejects.toEqual(
      transient('provider_error'),
    );
    expect(psp.sandbox.records.refunds().filter((r) => r.txnRef === payment.txnRef)).toHaveLength(
      1,
    );
  });

  it('refuses refunds of unpaid or unknown payments', async () => {
    const declined = await createAndDecide(psp.provider, { outcome: 'decline' });
    await expect(psp.provider.refund(refundOf(declined, 100_000n, { full: true }))).rejects.toEqual(
      permanent('declined'),
    );
    const paid = await createAndDecide(psp.provider);
    const wrongDate = { ...refundOf(paid, 1_000n), transactionDate: new Date(0) };
    await expect(psp.provider.refund(wrongDate)).rejects.toEqual(permanent('not_found'));
    const wrongNo = { ...refundOf(paid, 1_000n), providerTransactionId: '1' };
    await expect(psp.provider.refund(wrongNo)).rejects.toEqual(permanent('not_found'));
  });

  it('declines when a refund decline fault is armed', async () => {
    const payment = await createAndDecide(psp.provider);
    await psp.armFault({ operation: 'refund', kind: 'decline' });
    await expect(psp.provider.refund(refundOf(payment, 1_000n))).rejects.toEqual(
      permanent('declined'),
    );
    await expect(psp.provider.refund(refundOf(payment, 1_000n))).resolves.toMatchObject({
      status: 'succeeded',
    });
  });

  it('turns a 500 into a transient error that a retry with the same key gets past', async () => {
    const payment = await createAndDecide(psp.provider);
    await psp.armFault({ operation: 'refund', kind: 'http500' });
    const input = refundOf(payment, 5_000n);
    const failed = psp.provider.refund(input);
    await expect(failed).rejects.toBeInstanceOf(PspTransientError);
    await expect(failed).rejects.toEqual(transient('server_error'));
    await psp.provider.refund(input);
    expect(psp.sandbox.records.refunds().filter((r) => r.txnRef === payment.txnRef)).toHaveLength(
      1,
    );
  });

  it('turns a timeout into a transient error; the retry finds the refund already made', async () => {
    const payment = await createAndDecide(psp.provider);
    await psp.armFault({ operation: 'refund', kind: 'timeout', delayMs: 2_000 });
    const input = refundOf(payment, 5_000n);
    await expect(psp.impatientProvider.refund(input)).rejects.toEqual(transient('timeout'));
    const retried = await psp.impatientProvider.refund(input);
    const records = psp.sandbox.records.refunds().filter((r) => r.txnRef === payment.txnRef);
    expect(records).toHaveLength(1);
    expect(retried.refundId).toBe(records[0]?.transactionNo);
  });
});

describe('querydr', () => {
  it('reports pending, succeeded, failed and not_found', async () => {
    const txnRef = newTxnRef('query');
    const { url, createdAt } = await psp.provider.createPayment({
      idempotencyKey: `escrow:${txnRef}:payment`,
      txnRef,
      amount: 70_000n,
      currency: 'VND',
      description: 'Query me',
      returnUrl: 'https://shop.example/return',
      expiresAt: new Date(Date.now() + 60_000),
      clientIp: '127.0.0.1',
    });
    const query = { txnRef, transactionDate: createdAt };
    // VNPay learns of a payment when the buyer opens its URL.
    expect(await psp.provider.getTransaction(query)).toEqual({ status: 'not_found' });
    await fetch(url);
    expect(await psp.provider.getTransaction(query)).toEqual({
      status: 'pending',
      amount: 70_000n,
    });
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'success' }),
    });
    const transactionNo = psp.sandbox.records.payment(txnRef)?.transactionNo;
    expect(await psp.provider.getTransaction(query)).toEqual({
      status: 'succeeded',
      amount: 70_000n,
      providerTransactionId: transactionNo,
    });
    expect(await psp.provider.getTransaction({ txnRef, transactionDate: new Date(0) })).toEqual({
      status: 'not_found',
    });

    const declined = await createAndDecide(psp.provider, { outcome: 'decline' });
    expect(
      await psp.provider.getTransaction({
        txnRef: declined.txnRef,
        transactionDate: declined.createdAt,
      }),
    ).toMatchObject({ status: 'failed' });
  });

  it('turns http500 and timeout faults into transient errors', async () => {
    const payment = await createAndDecide(psp.provider);
    const query = { txnRef: payment.txnRef, transactionDate: payment.createdAt };
    await psp.armFault({ operation: 'query', kind: 'http500' });
    await expect(psp.provider.getTransaction(query)).rejects.toEqual(transient('server_error'));
    await psp.armFault({ operation: 'query', kind: 'timeout', delayMs: 2_000 });
    await expect(psp.impatientProvider.getTransaction(query)).rejects.toEqual(transient('timeout'));
    await expect(psp.provider.getTransaction(query)).resolves.toMatchObject({
      status: 'succeeded',
    });
  });
});

describe('answer verification', () => {
  it('does not take a success answer with a forged checksum for a refund', async () => {
    const forger = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          vnp_ResponseId: '1',
          vnp_Command: 'refund',
          vnp_ResponseCode: '00',
          vnp_Message: 'Success',
          vnp_TmnCode: tmnCode,
          vnp_TxnRef: 'forged-1',
          vnp_Amount: '100000',
          vnp_TransactionNo: '999',
          vnp_TransactionType: '03',
          vnp_TransactionStatus: '00',
          vnp_SecureHash: 'ab'.repeat(64),
        }),
      );
    });
    forger.listen(0, '127.0.0.1');
    await once(forger, 'listening');
    try {
      const { port } = forger.address() as AddressInfo;
      const provider = createVnpayProvider({
        baseUrl: `http://127.0.0.1:${port}`,
        tmnCode,
        hashSecret,
        timeoutMs: 2_000,
      });
      const refund = provider.refund({
        idempotencyKey: 'k',
        txnRef: 'forged-1',
        providerTransactionId: '1',
        transactionDate: new Date(),
        amount: 1_000n,
        currency: 'VND',
        full: false,
        reason: 'x',
      });
      await expect(refund).rejects.toEqual(permanent('invalid_response'));
    } finally {
      forger.closeAllConnections();
      await new Promise((resolve) => forger.close(resolve));
    }
  });

  it('reports a wrong hash secret as misconfiguration', async () => {
    const payment = await createAndDecide(psp.provider);
    const misconfigured = createVnpayProvider({
      baseUrl: psp.sandbox.url,
      tmnCode,
      hashSecret: 'not-the-secret-0000000000000000',
      timeoutMs: 2_000,
    });
    await expect(misconfigured.refund(refundOf(payment, 1_000n))).rejects.toEqual(
      permanent('misconfigured'),
    );
    await expect(
      misconfigured.getTransaction({ txnRef: payment.txnRef, transactionDate: payment.createdAt }),
    ).rejects.toEqual(permanent('misconfigured'));
  });
});
