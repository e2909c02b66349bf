import {
  PspPermanentError,
  type RefundInput,
  type RefundResult,
  type RefundStatus,
} from '../types.js';
import { endpoint, type ZalopayConfig } from './config.js';
import { commonFailure, postZalopay, type ZalopayAnswer } from './http.js';
import { mRefundIdFor, refundDays, yymmdd } from './ids.js';
import { paths, returnCode, subReturnCode } from './protocol.js';
import { queryRefundMac, refundMac } from './signing.js';

const permanent = (code: PspPermanentError['code'], message: string) =>
  new PspPermanentError(code, message, 'zalopay');

const toReason = (text: string) => text.trim().slice(0, 100) || 'Hoan tien';

/**
 * One refund (/v2/refund), asynchronous on ZaloPay's side: accepted answers 1 (done) or 3
 * (processing; poll getRefund). Its m_refund_id carries the day it is sent, so a key first sent
 * on an earlier day is looked for there before anything is sent today: a retry never refunds
 * twice. The refund id we report is the m_refund_id, the one id both calls know.
 */
export async function refundOrder(
  config: ZalopayConfig,
  input: RefundInput,
  now: Date = new Date(),
): Promise<RefundResult> {
  if (input.currency !== 'VND') throw permanent('unsupported_currency', 'ZaloPay refunds VND');
  if (input.amount <= 0n) throw permanent('invalid_amount', 'refund amount must be positive');
  if (!/^\d+$/.test(input.providerTransactionId)) {
    throw permanent('invalid_request', 'providerTransactionId must be the zp_trans_id');
  }
  const earlier = await findRefund(config, input, now, { today: false });
  if (earlier.status === 'failed') throw permanent('declined', earlier.reason);
  if (earlier.status !== 'not_found') return earlier;

  const mRefundId = mRefundIdFor(config.appId, input.idempotencyKey, now);
  const request = {
    app_id: Number(config.appId),
    m_refund_id: mRefundId,
    zp_trans_id: input.providerTransactionId,
    amount: Number(input.amount),
    timestamp: now.getTime(),
    description: toReason(input.reason),
  };
  const answer = await postZalopay(
    endpoint(config, paths.refund),
    { ...request, mac: refundMac(config.key1, request) },
    config.timeoutMs,
  );
  const state = refundState('refund', mRefundId, answer);
  if (state.status === 'failed') throw permanent(state.code, state.reason);
  if (state.status === 'not_found') {
    throw permanent('not_found', `refund: ZaloPay knows no zp_trans_id ${request.zp_trans_id}`);
  }
  return state;
}

/** What ZaloPay knows of the refund sent under input.idempotencyKey, on any day it may have been. */
export function refundStatus(
  config: ZalopayConfig,
  input: RefundInput,
  now: Date = new Date(),
): Promise<RefundStatus> {
  return findRefund(config, input, now, { today: true });
}

async function findRefund(
  config: ZalopayConfig,
  input: RefundInput,
  now: Date,
  { today }: { today: boolean },
): Promise<RefundStatus> {
  const days = refundDays(input.transactionDate, now).filter(
    (day) => today || yymmdd(day) !== yymmdd(now),
  );
  for (const day of days) {
    const mRefundId = mRefundIdFor(config.appId, input.idempotencyKey, day);
    const timestamp = now.getTime();
    const answer = await postZalopay(
      endpoint(config, paths.queryRefund),
      {
        app_id: Number(config.appId),
        m_refund_id: mRefundId,
        timestamp,
        mac: queryRefundMac(config.key1, config.appId, mRefundId, timestamp),
      },
      config.timeoutMs,
    );
    const state = refundState('query_refund', mRefundId, answer);
    if (state.status === 'failed') {
      return { status: 'failed', refundId: mRefundId, reason: state.reason };
    }
    if (state.status !== 'not_found') return state;
  }
  return { status: 'not_found' };
}

type RefundState =
  | RefundResult
  | { status: 'not_found' }
  | { status: 'failed'; code: PspPermanentError['code']; reason: string };

/** The return codes refund and query_refund share: 1 done, 3 processing, 2 failed. */
function refundState(call: string, mRefundId: string, answer: ZalopayAnswer): RefundState {
  const failure = commonFailure(call, answer);
  if (failure) throw failure;
  switch (answer.return_code) {
    case returnCode.success:
      return { status: 'succeeded', refundId: mRefundId };
    case returnCode.processing:
      return { status: 'pending', refundId: mRefundId };
    case returnCode.fail: {
      if (answer.sub_return_code === subReturnCode.notFound) return { status: 'not_found' };
      const reason =
        `ZaloPay refused refund ${mRefundId}: ${answer.sub_return_code ?? ''} ${answer.sub_return_message ?? answer.return_message ?? ''}`.trim();
      return { status: 'failed', code: 'declined', reason };
    }
    default:
      throw permanent('invalid_response', `${call}: unknown return_code ${answer.return_code}`);
  }
}
