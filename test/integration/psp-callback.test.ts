import { describe, expect, it } from 'vitest';
import { signedQueryString } from '../../psp/vnpay/signing.js';
import { getCheckout } from '../../store/checkouts.js';
import { queryEscrow } from '../../workflows/client.js';
import { useEscrowStack } from '../support/escrow-stack.js';
import { eventLog } from '../support/event-log.js';
import { eventually } from '../support/eventually.js';

const ctx = useEscrowStack();

/** An IPN as VNPay sends it; `secret` decides whether the signature is genuine. */
function ipnUrl(
  params: { txnRef: string; amount: number; transactionNo: string },
  secret = ctx.stack.vnpayCredentials.hashSecret,
) {
  const query = signedQueryString(
    {
      vnp_TmnCode: ctx.stack.vnpayCredentials.tmnCode,
      vnp_TxnRef: params.txnRef,
      vnp_Amount: String(params.amount * 100),
      vnp_TransactionNo: params.transactionNo,
      vnp_ResponseCode: '00',
      vnp_TransactionStatus: '00',
      vnp_BankCode: 'NCB',
      vnp_PayDate: '20261125120000',
      vnp_OrderInfo: 'Escrow payment',
    },
    secret,
  );
  return `${ctx.stack.apiUrl}/v1/psp/vnpay/callback?${query}`;
}

const rspCode = async (url: string) =>
  ((await (await fetch(url)).json()) as { RspCode: string }).RspCode;
const eventCount = async (escrowId: string) =>
  (
    await ctx.db.sql<
      { n: bigint }[]
    >`select count(*) as n from escrow_events where escrow_id = ${escrowId}`
  )[0]?.n;

it('rejects forged and mismatched callbacks, and changes nothing', async () => {
  const { id } = await ctx.stack.create();
  const before = await eventCount(id);

  expect(
    await rspCode(
      ipnUrl({ txnRef: id, amount: 1_500_000, transactionNo: '1' }, 'not-the-secret-0123456789'),
    ),
  ).toBe('97');
  expect(await rspCode(ipnUrl({ txnRef: id, amount: 1_000, transactionNo: '2' }))).toBe('04');
  expect(
    await rspCode(ipnUrl({ txnRef: 'esc_does_not_exist', amount: 1_500_000, transactionNo: '3' })),
  ).toBe('01');

  expect((await queryEscrow(ctx.temporal.client, id)).status).toBe('awaiting_payment');
  expect(await eventCount(id)).toBe(before);
});

it('confirms a genuine callback once; repeats are acknowledged as already confirmed', async () => {
  const { id } = await ctx.stack.create();
  const genuine = ipnUrl({ txnRef: id, amount: 1_500_000, transactionNo: '77' });
  expect(await rspCode(genuine)).toBe('00');
  // The route reads the Postgres read model, which the workflow writes right after funding.
  await eventually(async () => {
    const [row] = await ctx.db.sql<
      { status: string }[]
    >`select status from escrows where id = ${id}`;
    expect(row?.status).toBe('funded');
  });
  expect(await rspCode(genuine)).toBe('02');
  const view = await queryEscrow(ctx.temporal.client, id);
  const events = await eventLog(ctx.db.sql, id);
  expect(events.filter((e) => e.type === 'payment_confirmed')).toHaveLength(1);
  expect(view.money.funded).toBe(1_500_000);
});

describe("a checkout's callbacks", () => {
  it('forged or partial ones change nothing; the genuine one funds every escrow once, repeats too', async () => {
    const created = await ctx.stack.createCheckout([{ amount: 1_200_000 }, { amount: 800_000 }]);
    const ids = created.escrows.map((e) => e.escrowId);
    const txnRef = created.checkoutId;
    for (const id of ids) {
      await eventually(async () =>
        expect((await queryEscrow(ctx.temporal.client, id)).status).toBe('awaiting_payment'),
      );
    }
    const before = await Promise.all(ids.map(eventCount));

    expect(
      await rspCode(
        ipnUrl({ txnRef, amount: 2_000_000, transactionNo: '71' }, 'not-the-secret-0123456789'),
      ),
    ).toBe('97');
    // One seller's share is not the cart: the whole of it pays it, or nothing does.
    expect(await rspCode(ipnUrl({ txnRef, amount: 800_000, transactionNo: '72' }))).toBe('04');
    expect(await Promise.all(ids.map(eventCount))).toEqual(before);

    expect(await rspCode(ipnUrl({ txnRef, amount: 2_000_000, transactionNo: '73' }))).toBe('00');
    await eventually(async () => {
      for (const id of ids) {
        expect((await queryEscrow(ctx.temporal.client, id)).payment?.providerTransactionId).toBe(
          '73',
        );
      }
    });
    await eventually(async () =>
      expect((await getCheckout(ctx.db.sql, txnRef))?.status).toBe('paid'),
    );
    expect(await rspCode(ipnUrl({ txnRef, amount: 2_000_000, transactionNo: '73' }))).toBe('02');
    // The workflows hold the payment before their events reach Postgres.
    await eventually(async () => {
      const funded = await Promise.all(
        ids.map(
          async (id) =>
            (await eventLog(ctx.db.sql, id)).filter((e) => e.type === 'payment_confirmed').length,
        ),
      );
      expect(funded).toEqual([1, 1]);
    });
    const views = await Promise.all(ids.map((id) => queryEscrow(ctx.temporal.client, id)));
    expect(views.map((v) => v.money.funded)).toEqual([1_200_000, 800_000]);
  });
});
