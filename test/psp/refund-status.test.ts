import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RefundInput } from '../../psp/types.js';
import { createVnpayProvider } from '../../psp/vnpay/adapter.js';
import {
  createAndDecide,
  hashSecret,
  type PaidPayment,
  type PspFixture,
  startPspFixture,
  tmnCode,
  usePspFixture,
} from './harness.js';

/**
 * VNPay's merchant_webapi checksums, written out here from querydr&refund.html (and the order
 * lehuygiang28/vnpay's query.service.ts uses) rather than taken from the adapter: HMAC-SHA512
 * of the fields' values joined with '|', in this order.
 */
const fieldsOf = {
  querydrRequest:
    'vnp_RequestId|vnp_Version|vnp_Command|vnp_TmnCode|vnp_TxnRef|vnp_TransactionDate|vnp_CreateDate|vnp_IpAddr|vnp_OrderInfo',
  refundRequest:
    'vnp_RequestId|vnp_Version|vnp_Command|vnp_TmnCode|vnp_TransactionType|vnp_TxnRef|vnp_Amount|vnp_TransactionNo|vnp_TransactionDate|vnp_CreateBy|vnp_CreateDate|vnp_IpAddr|vnp_OrderInfo',
  refundAnswer:
    'vnp_ResponseId|vnp_Command|vnp_ResponseCode|vnp_Message|vnp_TmnCode|vnp_TxnRef|vnp_Amount|vnp_BankCode|vnp_PayDate|vnp_TransactionNo|vnp_TransactionType|vnp_TransactionStatus|vnp_OrderInfo',
  querydrAnswer:
    'vnp_ResponseId|vnp_Command|vnp_ResponseCode|vnp_Message|vnp_TmnCode|vnp_TxnRef|vnp_Amount|vnp_BankCode|vnp_PayDate|vnp_TransactionNo|vnp_TransactionType|vnp_TransactionStatus|vnp_OrderInfo|vnp_PromotionCode|vnp_PromotionAmount',
};
type Kind = keyof typeof fieldsOf;
const hash = (kind: Kind, values: Record<string, string>, secret = hashSecret) =>
  createHmac('sha512', secret)
    .update(
      fieldsOf[kind]
        .split('|')
        .map((field) => values[field] ?? '')
        .join('|'),
      'utf8',
    )
    .digest('hex');
const sign = (kind: Kind, values: Record<string, string>, secret = hashSecret) => ({
  ...values,
  vnp_SecureHash: hash(kind, values, secret),
});

type Answer = Record<string, string>;

const permanent = (code: string) => expect.objectContaining({ name: 'PspPermanentError', code });
const transient = (code: string) => expect.objectContaining({ name: 'PspTransientError', code });

let keys = 0;
const refundOf = (
  payment: Pick<PaidPayment, 'txnRef' | 'transactionNo' | 'createdAt'>,
  amount: bigint,
  { key = `escrow:${payment.txnRef}:refund:${++keys}`, full = false } = {},
): RefundInput => ({
  idempotencyKey: key,
  txnRef: payment.txnRef,
  providerTransactionId: payment.transactionNo,
  transactionDate: payment.createdAt,
  amount,
  currency: 'VND',
  full,
  reason: 'Hoan tien',
});

describe('refund state at the sandbox (adapter ↔ sandbox over HTTP)', () => {
  const psp = usePspFixture();
  const refundsOf = (txnRef: string) =>
    psp.sandbox.records.refunds().filter((r) => r.txnRef === txnRef);

  /** querydr sent and checked with the test's own checksums: what the sandbox really says. */
  const rawQuerydr = async (payment: PaidPayment) => {
    const request = sign('querydrRequest', {
      vnp_RequestId: `q${++keys}`,
      vnp_Version: '2.1.0',
      vnp_Command: 'querydr',
      vnp_TmnCode: tmnCode,
      vnp_TxnRef: payment.txnRef,
      vnp_TransactionDate: vnpDate(payment.createdAt),
      vnp_CreateDate: vnpDate(new Date()),
      vnp_IpAddr: '127.0.0.1',
      vnp_OrderInfo: 'raw query',
    });
    const answer = await postJson(`${psp.sandbox.url}/merchant_webapi/api/transaction`, request);
    expect(answer.vnp_SecureHash).toBe(hash('querydrAnswer', answer));
    return answer;
  };

  it('says not_found before any refund, and for a payment it does not know', async () => {
    const payment = await createAndDecide(psp.provider);
    expect(await psp.provider.getRefund(refundOf(payment, 10_000n))).toEqual({
      status: 'not_found',
    });
    const unknown = { ...refundOf(payment, 10_000n), transactionDate: new Date(0) };
    expect(await psp.provider.getRefund(unknown)).toEqual({ status: 'not_found' });
    expect(await rawQuerydr(payment)).toMatchObject({
      vnp_ResponseCode: '00',
      vnp_TransactionType: '01',
      vnp_TransactionStatus: '00',
    });
  });

  it('answers a repeated vnp_RequestId with 94, as VNPay does, and records nothing more', async () => {
    const payment = await createAndDecide(psp.provider, { amount: 100_000n });
    const request = sign('refundRequest', {
      vnp_RequestId: `r${process.pid}${++keys}`,
      vnp_Version: '2.1.0',
      vnp_Command: 'refund',
      vnp_TmnCode: tmnCode,
      vnp_TransactionType: '03',
      vnp_TxnRef: payment.txnRef,
      vnp_Amount: '2000000',
      vnp_TransactionNo: payment.transactionNo,
      vnp_TransactionDate: vnpDate(payment.createdAt),
      vnp_CreateBy: 'test',
      vnp_CreateDate: vnpDate(new Date()),
      vnp_IpAddr: '127.0.0.1',
      vnp_OrderInfo: 'raw refund',
    });
    const url = `${psp.sandbox.url}/merchant_webapi/api/transaction`;
    const first = await postJson(url, request);
    expect(first).toMatchObject({ vnp_ResponseCode: '00', vnp_TransactionStatus: '00' });
    expect(first.vnp_SecureHash).toBe(hash('refundAnswer', first));
    expect(await postJson(url, request)).toMatchObject({ vnp_ResponseCode: '94' });
    expect(refundsOf(payment.txnRef)).toHaveLength(1);
    expect(psp.sandbox.records.payment(payment.txnRef)?.refundedAmount).toBe('20000');
  });

  it('finds a refund whose answer timed out: the retry gets 94, then querydr, one refund', async () => {
    const payment = await createAndDecide(psp.provider, { amount: 100_000n });
    const input = refundOf(payment, 30_000n);
    await psp.armFault({ operation: 'refund', kind: 'timeout', delayMs: 2_000 });
    await expect(psp.impatientProvider.refund(input)).rejects.toEqual(transient('timeout'));
    // What the activity asks first on its retry: the refund went through.
    const [record] = refundsOf(payment.txnRef);
    expect(await psp.provider.getRefund(input)).toEqual({
      status: 'succeeded',
      refundId: record?.transactionNo,
    });
    // Sent again anyway with the same key: 94, answered from querydr, never a second refund.
    expect(await psp.provider.refund(input)).toEqual({
      status: 'succeeded',
      refundId: record?.transactionNo,
    });
    expect(refundsOf(payment.txnRef)).toHaveLength(1);
    expect(psp.sandbox.records.payment(payment.txnRef)?.refundedAmount).toBe('30000');
    // The payment still reads as paid once querydr shows its refund.
    expect(
      await psp.provider.getTransaction({
        txnRef: payment.txnRef,
        transactionDate: payment.createdAt,
      }),
    ).toEqual({ status: 'succeeded' });
  });

  it('reports a pending refund pending until querydr shows it done (05, 06, then 00)', async () => {
    const payment = await createAndDecide(psp.provider, { amount: 100_000n });
    const input = refundOf(payment, 100_000n, { full: true });
    await psp.armFault({ operation: 'refund', kind: 'pending', pendingQueries: 3 });
    const accepted = await psp.provider.refund(input);
    expect(accepted).toEqual({ status: 'pending', refundId: expect.any(String) });
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(await psp.provider.getRefund(input));
    expect(seen).toEqual(Array(3).fill({ status: 'pending', refundId: accepted.refundId }));
    expect(await psp.provider.getRefund(input)).toEqual({
      status: 'succeeded',
      refundId: accepted.refundId,
    });
    expect(refundsOf(payment.txnRef)).toMatchObject([{ status: 'succeeded' }]);
    expect(psp.sandbox.records.payment(payment.txnRef)?.refundedAmount).toBe('100000');

    await psp.armFault({ operation: 'refund', kind: 'pending', pendingQueries: 2 });
    const other = await createAndDecide(psp.provider, { amount: 50_000n });
    await psp.provider.refund(refundOf(other, 50_000n, { full: true }));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await rawQuerydr(other)).vnp_TransactionStatus);
    expect(statuses).toEqual(['05', '06', '00']);
    expect(await rawQuerydr(other)).toMatchObject({ vnp_TransactionType: '02' });
  });

  it('reports a refund VNPay rejects (09) failed, and gives its amount back', async () => {
    const payment = await createAndDecide(psp.provider, { amount: 100_000n });
    const input = refundOf(payment, 40_000n);
    await psp.armFault({
      operation: 'refund',
      kind: 'pending',
      pendingQueries: 2,
      outcome: 'failed',
    });
    const accepted = await psp.provider.refund(input);
    expect(accepted.status).toBe('pending');
    // Another refund of the payment while this one is in progress: 94, retried, not failed.
    // (Its querydr is the first of the two that see the pending one.)
    const meanwhile = refundOf(payment, 10_000n);
    await expect(psp.provider.refund(meanwhile)).rejects.toEqual(transient('provider_error'));
    expect(await psp.provider.getRefund(input)).toEqual({
      status: 'pending',
      refundId: accepted.refundId,
    });
    expect(await psp.provider.getRefund(input)).toEqual({
      status: 'failed',
      refundId: accepted.refundId,
      reason: expect.stringContaining('09'),
    });
    expect(psp.sandbox.records.payment(payment.txnRef)?.refundedAmount).toBe('0');
    // Retried with the same key, the refund is declined, not resent.
    await expect(psp.provider.refund(input)).rejects.toEqual(permanent('declined'));
    expect(refundsOf(payment.txnRef)).toHaveLength(1);
    // The money went back: the other refund, retried with its key, now goes through.
    expect(await psp.provider.refund(meanwhile)).toMatchObject({ status: 'succeeded' });
    expect(psp.sandbox.records.payment(payment.txnRef)?.refundedAmount).toBe('10000');
  });
});

describe('pending refunds across a sandbox restart', () => {
  let dir: string;
  const running: PspFixture[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'psp-refunds-'));
  });
  afterAll(async () => {
    for (const fixture of running) await fixture.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a pending refund and its remaining queries in the data file', async () => {
    const dataFile = join(dir, 'sandbox.json');
    const before = await startPspFixture({ dataFile });
    running.push(before);
    const payment = await createAndDecide(before.provider, { amount: 60_000n });
    const input = refundOf(payment, 60_000n, { full: true });
    await before.armFault({ operation: 'refund', kind: 'pending', pendingQueries: 2 });
    expect(await before.provider.refund(input)).toMatchObject({ status: 'pending' });
    expect(await before.provider.getRefund(input)).toMatchObject({ status: 'pending' });
    await before.stop();
    running.splice(0);

    const after = await startPspFixture({ dataFile });
    running.push(after);
    expect(after.sandbox.records.refunds()).toMatchObject([{ status: 'sent_to_bank' }]);
    expect(await after.provider.getRefund(input)).toMatchObject({ status: 'pending' });
    expect(await after.provider.getRefund(input)).toMatchObject({ status: 'succeeded' });
  });
});

describe('querydr answers for refunds, signed by the test (independent of the adapter)', () => {
  let server: ReturnType<typeof createServer>;
  let baseUrl: string;
  /** The next answers, by vnp_Command; each is signed here with the documented checksum. */
  const script: { querydr: Answer[]; refund: Answer[] } = { querydr: [], refund: [] };
  const received: Array<Record<string, string>> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        const parsed = JSON.parse(body) as Record<string, string>;
        received.push(parsed);
        const command = parsed.vnp_Command ?? '';
        const values = {
          vnp_ResponseId: 'resp1',
          vnp_Command: command,
          vnp_ResponseCode: '00',
          vnp_Message: 'Success',
          vnp_TmnCode: tmnCode,
          vnp_TxnRef: parsed.vnp_TxnRef ?? '',
          vnp_BankCode: 'NCB',
          vnp_PayDate: '20240102090000',
          vnp_OrderInfo: 'Hoan tien',
          ...(command === 'querydr' || command === 'refund' ? script[command].shift() : {}),
        };
        const { secret, ...fields } = values as Record<string, string>;
        const kind = command === 'querydr' ? 'querydrAnswer' : 'refundAnswer';
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(sign(kind, fields, secret)));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const provider = () => createVnpayProvider({ baseUrl, tmnCode, hashSecret, timeoutMs: 2_000 });
  const payment = { txnRef: 'order-7', transactionNo: '14000001', createdAt: new Date() };
  const partial = refundOf(payment, 30_000n, { key: 'escrow:order-7:refund:1' });
  const record = (values: Record<string, string>) => ({
    vnp_Amount: '3000000',
    vnp_TransactionNo: '14000002',
    vnp_TransactionType: '03',
    vnp_TransactionStatus: '00',
    ...values,
  });

  it.each([
    ['05 (VNPay processing)', record({ vnp_TransactionStatus: '05' }), { status: 'pending' }],
    ['06 (sent to the bank)', record({ vnp_TransactionStatus: '06' }), { status: 'pending' }],
    ['00 on a refund', record({}), { status: 'succeeded' }],
    ['09 (rejected)', record({ vnp_TransactionStatus: '09' }), { status: 'failed' }],
    [
      'the payment itself (type 01)',
      record({ vnp_TransactionType: '01' }),
      { status: 'not_found' },
    ],
    ['a refund of another amount', record({ vnp_Amount: '1000000' }), { status: 'not_found' }],
    ['a full refund', record({ vnp_TransactionType: '02' }), { status: 'not_found' }],
    ['no such transaction (91)', { vnp_ResponseCode: '91' }, { status: 'not_found' }],
  ])('reads %s', async (_, answer, expected) => {
    script.querydr.push(answer);
    const status = await provider().getRefund(partial);
    expect(status).toMatchObject(expected);
    if (expected.status === 'pending' || expected.status === 'succeeded') {
      expect(status).toMatchObject({ refundId: '14000002' });
    }
    // The adapter's request verifies with the documented querydr request checksum.
    const sent = received.at(-1) ?? {};
    expect(sent).toMatchObject({ vnp_Command: 'querydr', vnp_TxnRef: 'order-7' });
    expect(sent.vnp_SecureHash).toBe(hash('querydrRequest', sent));
  });

  it('refuses a refund state VNPay does not document for refunds, and a forged answer', async () => {
    script.querydr.push(record({ vnp_TransactionStatus: '07' }));
    await expect(provider().getRefund(partial)).rejects.toEqual(permanent('invalid_response'));
    script.querydr.push(record({ secret: 'not-the-secret' }));
    await expect(provider().getRefund(partial)).rejects.toEqual(permanent('invalid_response'));
  });

  it('reads a payment whose latest record is a refund as paid', async () => {
    script.querydr.push(record({ vnp_TransactionStatus: '05' }));
    expect(
      await provider().getTransaction({ txnRef: 'order-7', transactionDate: new Date() }),
    ).toEqual({ status: 'succeeded' });
  });

  it('takes an accepted refund answering 05 or 06 as pending', async () => {
    script.refund.push(
      record({ vnp_TransactionStatus: '05' }),
      record({ vnp_TransactionStatus: '06' }),
    );
    expect(await provider().refund(partial)).toEqual({ status: 'pending', refundId: '14000002' });
    expect(await provider().refund(partial)).toEqual({ status: 'pending', refundId: '14000002' });
    const sent = received.at(-1) ?? {};
    expect(sent.vnp_SecureHash).toBe(hash('refundRequest', sent));
  });

  it('follows a 94 with querydr: done, pending, rejected, or not shown yet', async () => {
    const duplicate = { vnp_ResponseCode: '94', vnp_Message: 'Duplicate request' };
    script.refund.push(duplicate, duplicate, duplicate, duplicate);
    script.querydr.push(
      record({}),
      record({ vnp_TransactionStatus: '06' }),
      record({ vnp_TransactionStatus: '09' }),
      record({ vnp_TransactionType: '01' }),
    );
    expect(await provider().refund(partial)).toEqual({ status: 'succeeded', refundId: '14000002' });
    expect(await provider().refund(partial)).toEqual({ status: 'pending', refundId: '14000002' });
    await expect(provider().refund(partial)).rejects.toEqual(permanent('declined'));
    await expect(provider().refund(partial)).rejects.toEqual(transient('provider_error'));
  });
});

function vnpDate(date: Date): string {
  return new Date(date.getTime() + 7 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function postJson(url: string, body: object): Promise<Record<string, string>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, string>;
}
