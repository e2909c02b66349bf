import { randomBytes } from 'node:crypto';
import {
  MOMO_LIMITS,
  MOMO_REFUND_LIMITS,
  orderIdMaxLength,
  orderIdPattern,
  resultCode,
  signedFields,
} from '../../psp/momo/protocol.js';
import { momoSignature, verifyMomoSignature } from '../../psp/momo/signing.js';
import type { SandboxContext } from '../context.js';
import type { SandboxMomoPayment, SandboxMomoRefund } from '../store.js';
import type { MomoCredentials } from './credentials.js';
import { messageOf } from './results.js';

type Body = Record<string, unknown>;
type Reply = Record<string, unknown>;

/**
 * How long an order stays payable. MoMo documents no per-order window for captureWallet; 15
 * minutes is the default its account-binding page gives for its links.
 */
const orderWindowMs = 15 * 60_000;

const isAmount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/** The answer every endpoint shares: MoMo echoes the request's ids and adds its outcome. */
function reply(body: Body, code: number, values: Reply = {}): Reply {
  return {
    partnerCode: body.partnerCode,
    orderId: body.orderId,
    requestId: body.requestId,
    resultCode: code,
    message: messageOf(code),
    responseTime: Date.now(),
    ...values,
  };
}

/**
 * The checks every endpoint makes, in MoMo's order: a known partner (11), a signature over the
 * endpoint's fields (13), a requestId never seen before (40, recorded once accepted).
 */
function refuse(
  context: SandboxContext,
  body: Body,
  fields: readonly string[],
): { code: number; credentials?: undefined } | { code?: undefined; credentials: MomoCredentials } {
  const credentials = context.momo;
  if (!credentials || body.partnerCode !== credentials.partnerCode) {
    return { code: resultCode.accessDenied };
  }
  const values = { ...(body as Record<string, string | number>), accessKey: credentials.accessKey };
  if (!verifyMomoSignature(fields, values, credentials.secretKey, body.signature)) {
    return { code: resultCode.authFailed };
  }
  if (typeof body.requestId !== 'string' || body.requestId === '' || body.requestId.length > 50) {
    return { code: resultCode.badFormat };
  }
  if (context.store.momoRequestIds.has(body.requestId)) {
    return { code: resultCode.duplicateRequestId };
  }
  context.store.momoRequestIds.add(body.requestId);
  context.store.changed();
  return { credentials };
}

const orderIdTaken = (context: SandboxContext, orderId: string) =>
  context.store.momoPayments.has(orderId) || context.store.momoRefunds.has(orderId);

/** POST /v2/gateway/api/create: records the order and answers its signed payUrl. */
export function createOrder(context: SandboxContext, body: Body, origin: string): Reply {
  const checked = refuse(context, body, signedFields.createRequest);
  if (checked.code !== undefined) return reply(body, checked.code);
  const { credentials } = checked;
  const { orderId, orderInfo, redirectUrl, ipnUrl, requestType, extraData } = body;
  if (
    typeof orderId !== 'string' ||
    orderId.length > orderIdMaxLength ||
    !orderIdPattern.test(orderId) ||
    typeof orderInfo !== 'string' ||
    typeof redirectUrl !== 'string' ||
    typeof ipnUrl !== 'string' ||
    !URL.canParse(ipnUrl) ||
    typeof extraData !== 'string' ||
    (requestType !== 'captureWallet' && requestType !== 'payWithMethod')
  ) {
    return reply(body, resultCode.badFormat);
  }
  if (
    !isAmount(body.amount) ||
    BigInt(body.amount) < MOMO_LIMITS.min ||
    BigInt(body.amount) > MOMO_LIMITS.max
  ) {
    return reply(body, resultCode.invalidAmount);
  }
  if (orderIdTaken(context, orderId)) return reply(body, resultCode.duplicateOrderId);
  const now = context.now();
  const payment: SandboxMomoPayment = {
    orderId,
    requestId: body.requestId as string,
    status: 'pending',
    resultCode: resultCode.awaitingUser,
    amount: String(body.amount),
    orderInfo,
    requestType,
    autoCapture: body.autoCapture !== false,
    redirectUrl,
    ipnUrl,
    extraData,
    token: randomBytes(18).toString('base64url'),
    expiresAt: new Date(now.getTime() + orderWindowMs).toISOString(),
    refundedAmount: '0',
    ipn: [],
    createdAt: now.toISOString(),
  };
  context.store.momoPayments.set(orderId, payment);
  context.store.changed();
  const answer = reply(body, resultCode.success, {
    amount: body.amount,
    payUrl: `${origin}/v2/gateway/pay?t=${payment.token}`,
  });
  answer.signature = momoSignature(
    signedFields.createResponse,
    { ...(answer as Record<string, string | number>), accessKey: credentials.accessKey },
    credentials.secretKey,
  );
  return answer;
}

/** Whether an order still waiting for its buyer is past its window. */
export const isExpired = (context: SandboxContext, payment: SandboxMomoPayment): boolean =>
  payment.status === 'pending' && Date.parse(payment.expiresAt) < context.now().getTime();

/** A held refund moves on by one query, and is final once its queries are used up. */
function observe(context: SandboxContext, refund: SandboxMomoRefund): void {
  if (refund.status !== 'pending' || !refund.pending) return;
  refund.pending.queriesLeft -= 1;
  if (refund.pending.queriesLeft > 0) return;
  const outcome = refund.pending.outcome;
  refund.status = outcome;
  refund.resultCode =
    outcome === 'succeeded' ? resultCode.success : resultCode.refundFailedRetryLater;
  delete refund.pending;
  if (outcome === 'failed') giveBack(context, refund);
  context.store.changed();
}

function giveBack(context: SandboxContext, refund: SandboxMomoRefund): void {
  const payment = context.store.momoPayments.get(refund.paymentOrderId);
  if (payment) {
    payment.refundedAmount = (BigInt(payment.refundedAmount) - BigInt(refund.amount)).toString();
  }
}

/** POST /v2/gateway/api/query: a payment's state and refunds, or a refund's own state. */
export function queryOrder(context: SandboxContext, body: Body): Reply {
  const checked = refuse(context, body, signedFields.query);
  if (checked.code !== undefined) return reply(body, checked.code);
  const orderId = typeof body.orderId === 'string' ? body.orderId : '';
  const refund = context.store.momoRefunds.get(orderId);
  if (refund) {
    const shown = refund.resultCode;
    observe(context, refund);
    return reply(body, shown, {
      amount: Number(refund.amount),
      transId: Number(refund.transId),
      payType: '',
      extraData: '',
      refundTrans: [],
    });
  }
  const payment = context.store.momoPayments.get(orderId);
  if (!payment) return reply(body, resultCode.orderNotFound);
  const code = isExpired(context, payment) ? resultCode.expired : payment.resultCode;
  const refunds = [...context.store.momoRefunds.values()].filter(
    (r) => r.paymentOrderId === payment.orderId,
  );
  return reply(body, code, {
    amount: Number(payment.amount),
    transId: Number(payment.transId ?? 0),
    payType: payment.payType ?? '',
    extraData: payment.extraData,
    refundTrans: refunds.map((r) => ({
      orderId: r.orderId,
      amount: Number(r.amount),
      resultCode: r.resultCode,
      transId: Number(r.transId),
      createdTime: Date.parse(r.createdAt),
    })),
  });
}

/**
 * POST /v2/gateway/api/refund under a new orderId: of a paid order found by transId, within
 * what is left of it. Armed faults: decline (1088), pending (7000 until queried enough).
 */
export function refundOrder(context: SandboxContext, body: Body): Reply {
  const checked = refuse(context, body, signedFields.refund);
  if (checked.code !== undefined) return reply(body, checked.code);
  const orderId = body.orderId;
  if (
    typeof orderId !== 'string' ||
    !orderIdPattern.test(orderId) ||
    typeof body.transId !== 'number'
  ) {
    return reply(body, resultCode.badFormat);
  }
  if (orderIdTaken(context, orderId)) return reply(body, resultCode.duplicateOrderId);
  const transId = String(body.transId);
  const payment = [...context.store.momoPayments.values()].find((p) => p.transId === transId);
  if (!payment) return reply(body, resultCode.orderNotFound);
  if (payment.status !== 'paid') return reply(body, resultCode.notRefundable);
  if (!isAmount(body.amount) || BigInt(body.amount) < MOMO_REFUND_LIMITS.min) {
    return reply(body, resultCode.invalidAmount);
  }
  const amount = BigInt(body.amount);
  const refunded = BigInt(payment.refundedAmount);
  if (refunded + amount > BigInt(payment.amount)) return reply(body, resultCode.refundRejected);

  const declined = context.faults.take('refund', ['decline']);
  const pending = declined ? undefined : context.faults.take('refund', ['pending']);
  const refund: SandboxMomoRefund = {
    orderId,
    requestId: body.requestId as string,
    paymentOrderId: payment.orderId,
    transId: context.store.takeTransactionNo(),
    amount: amount.toString(),
    description: typeof body.description === 'string' ? body.description : '',
    status: declined ? 'failed' : pending ? 'pending' : 'succeeded',
    resultCode: declined
      ? resultCode.notRefundable
      : pending
        ? resultCode.processing
        : resultCode.success,
    ...(pending
      ? { pending: { queriesLeft: pending.pendingQueries, outcome: pending.outcome } }
      : {}),
    createdAt: context.now().toISOString(),
  };
  context.store.momoRefunds.set(orderId, refund);
  if (!declined) payment.refundedAmount = (refunded + amount).toString();
  context.store.changed();
  context.log.info(
    { orderId, paymentOrderId: payment.orderId, status: refund.status },
    'MoMo refund',
  );
  return reply(body, refund.resultCode, {
    amount: Number(refund.amount),
    transId: Number(refund.transId),
  });
}

/** POST /v2/gateway/api/confirm: capture or cancel the whole of an authorized (9000) order. */
export function confirmOrder(context: SandboxContext, body: Body): Reply {
  const checked = refuse(context, body, signedFields.confirm);
  if (checked.code !== undefined) return reply(body, checked.code);
  const requestType = body.requestType;
  if (requestType !== 'capture' && requestType !== 'cancel') {
    return reply(body, resultCode.badFormat);
  }
  const payment = context.store.momoPayments.get(
    typeof body.orderId === 'string' ? body.orderId : '',
  );
  if (!payment) return reply(body, resultCode.orderNotFound);
  if (payment.status !== 'authorized') return reply(body, resultCode.conflict, { requestType });
  if (body.amount !== Number(payment.amount)) {
    return reply(body, resultCode.invalidAmount, { requestType });
  }
  payment.status = requestType === 'capture' ? 'paid' : 'failed';
  payment.resultCode = requestType === 'capture' ? resultCode.success : resultCode.cancelled;
  context.store.changed();
  context.log.info({ orderId: payment.orderId, requestType }, 'MoMo confirm');
  return reply(body, resultCode.success, {
    amount: Number(payment.amount),
    transId: Number(payment.transId),
    requestType,
  });
}
