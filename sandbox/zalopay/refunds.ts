import { yymmdd } from '../../psp/zalopay/ids.js';
import { returnCode, subReturnCode } from '../../psp/zalopay/protocol.js';
import { macEquals, queryRefundMac, refundMac } from '../../psp/zalopay/signing.js';
import type { SandboxContext } from '../context.js';
import type { SandboxZalopayRefund } from '../store.js';
import type { ZalopayApp } from './app.js';
import { answer, badData, badMac, refusal, wholeOf } from './wire.js';

/** What a refund answers in its current state, to /v2/refund and /v2/query_refund alike. */
function stateAnswer(refund: SandboxZalopayRefund): Response {
  switch (refund.status) {
    case 'succeeded':
      return answer({
        return_code: returnCode.success,
        return_message: 'Hoàn tiền thành công',
        sub_return_code: 1,
        sub_return_message: 'Hoàn tiền thành công',
        refund_id: Number(refund.refundId),
      });
    case 'processing':
      return answer({
        return_code: returnCode.processing,
        return_message: 'Đang hoàn tiền',
        sub_return_code: 3,
        sub_return_message: 'Giao dịch đang được xử lý',
        refund_id: Number(refund.refundId),
      });
    default:
      return refusal(subReturnCode.refused, 'Hoàn tiền thất bại', {
        refund_id: Number(refund.refundId),
      });
  }
}

/**
 * /v2/refund. ZaloPay keys refunds by m_refund_id, which must start with today's yymmdd (GMT+7)
 * and the app_id. A repeated m_refund_id for the same payment and amount gets the refund's state
 * (the sandbox's choice: ZaloPay documents no answer for it); for another, a refusal.
 */
export function refund(
  context: SandboxContext,
  zalopay: ZalopayApp,
  fields: Record<string, string>,
): Response {
  const {
    m_refund_id: mRefundId = '',
    zp_trans_id: zpTransId = '',
    description = '',
    timestamp = '',
  } = fields;
  const expected = refundMac(zalopay.key1, {
    app_id: zalopay.appId,
    zp_trans_id: zpTransId,
    amount: fields.amount ?? '',
    ...(fields.refund_fee_amount === undefined
      ? {}
      : { refund_fee_amount: fields.refund_fee_amount }),
    description,
    timestamp,
  });
  if (!macEquals(expected, fields.mac ?? '')) return badMac();
  const amount = wholeOf(fields.amount);
  if (amount === undefined || amount <= 0n) return badData('amount must be a positive integer');
  const now = context.now();
  if (!mRefundId.startsWith(`${yymmdd(now)}_${zalopay.appId}_`) || !description) {
    return badData('m_refund_id must be yymmdd_appid_xxx of today; description is required');
  }
  const earlier = context.store.zalopayRefunds.get(mRefundId);
  if (earlier) {
    return earlier.zpTransId === zpTransId && earlier.amount === amount.toString()
      ? stateAnswer(earlier)
      : badData(`m_refund_id ${mRefundId} was used for another refund`);
  }
  const order = [...context.store.zalopayOrders.values()].find((o) => o.zpTransId === zpTransId);
  if (order?.status !== 'paid') {
    return refusal(subReturnCode.notFound, `no paid transaction ${zpTransId}`);
  }
  if (BigInt(order.refundedAmount) + amount > BigInt(order.amount)) {
    return badData('refunds would exceed the amount paid');
  }
  const fault = context.faults.take('refund', ['decline', 'pending']);
  const record: SandboxZalopayRefund = {
    mRefundId,
    appTransId: order.appTransId,
    zpTransId,
    refundId: context.store.takeZalopayId(yymmdd(now)),
    amount: amount.toString(),
    description,
    timestamp: Number(timestamp),
    status:
      fault?.kind === 'decline' ? 'failed' : fault?.kind === 'pending' ? 'processing' : 'succeeded',
    ...(fault?.kind === 'pending'
      ? { pending: { queriesLeft: fault.pendingQueries, outcome: fault.outcome } }
      : {}),
    createdAt: now.toISOString(),
  };
  if (record.status !== 'failed') {
    order.refundedAmount = (BigInt(order.refundedAmount) + amount).toString();
  }
  context.store.zalopayRefunds.set(mRefundId, record);
  context.store.changed();
  context.log.info({ mRefundId, status: record.status }, 'ZaloPay refund');
  return stateAnswer(record);
}

/**
 * /v2/query_refund. A refund held by a `pending` fault reads as processing for pendingQueries
 * queries, then ends as the fault's outcome; a failed one gives its amount back to the order.
 */
export function queryRefund(
  context: SandboxContext,
  zalopay: ZalopayApp,
  fields: Record<string, string>,
): Response {
  const { m_refund_id: mRefundId = '', timestamp = '' } = fields;
  const expected = queryRefundMac(zalopay.key1, zalopay.appId, mRefundId, timestamp);
  if (!macEquals(expected, fields.mac ?? '')) return badMac();
  const record = context.store.zalopayRefunds.get(mRefundId);
  if (!record) return refusal(subReturnCode.notFound, `no refund ${mRefundId}`);
  if (record.status === 'processing' && record.pending) {
    if (record.pending.queriesLeft > 0) {
      record.pending.queriesLeft -= 1;
    } else {
      record.status = record.pending.outcome;
      delete record.pending;
      const order = context.store.zalopayOrders.get(record.appTransId);
      if (record.status === 'failed' && order) {
        order.refundedAmount = (BigInt(order.refundedAmount) - BigInt(record.amount)).toString();
      }
    }
    context.store.changed();
  }
  return stateAnswer(record);
}
