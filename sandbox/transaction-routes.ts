import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { parseVnpDate } from '../psp/vnpay/dates.js';
import {
  amountFromVnp,
  amountToVnp,
  apiResponseCode,
  jsonStrings,
  queryRequestFields,
  queryResponseFields,
  refundRequestFields,
  refundResponseFields,
  transactionApiPath,
  transactionStatus,
  transactionType,
  vnpVersion,
} from '../psp/vnpay/protocol.js';
import { checksum, verifyChecksum } from '../psp/vnpay/signing.js';
import type { SandboxContext } from './context.js';
import { withRequestFaults } from './fault-gate.js';
import type { SandboxPayment, SandboxRefund } from './store.js';

type Answer = Record<string, string>;
type ApiCode = (typeof apiResponseCode)[keyof typeof apiResponseCode];

const messages: Record<ApiCode, string> = {
  '00': 'Success',
  '02': 'Invalid TmnCode',
  '03': 'Invalid data format',
  '91': 'Transaction not found',
  '93': 'Invalid refund amount',
  '94': 'Duplicate request',
  '95': 'Transaction not refundable',
  '97': 'Invalid checksum',
  '99': 'Other error',
};

const statusOf: Record<SandboxPayment['status'], string> = {
  paid: transactionStatus.success,
  pending: transactionStatus.pending,
  declined: transactionStatus.failed,
};

/**
 * POST /merchant_webapi/api/transaction: querydr and refund, as VNPay answers them — always
 * HTTP 200 with a vnp_ResponseCode, and every answer signed with the response checksum.
 */
export function transactionRoutes(context: SandboxContext): Hono {
  const app = new Hono();
  app.post(transactionApiPath, async (c) => {
    const request = jsonStrings(await c.req.json().catch(() => undefined));
    switch (request.vnp_Command) {
      case 'refund':
        return withRequestFaults(context, 'refund', async () => c.json(refund(context, request)));
      case 'querydr':
        return withRequestFaults(context, 'query', async () => c.json(query(context, request)));
      default:
        return c.json(
          answer(context, refundResponseFields, request, apiResponseCode.invalidFormat),
        );
    }
  });
  return app;
}

function answer(
  context: SandboxContext,
  fields: readonly string[],
  request: Record<string, string>,
  code: ApiCode,
  values: Answer = {},
): Answer {
  const body: Answer = {};
  for (const field of fields) body[field] = '';
  Object.assign(body, {
    vnp_ResponseId: randomUUID().replaceAll('-', ''),
    vnp_Command: request.vnp_Command ?? '',
    vnp_ResponseCode: code,
    vnp_Message: messages[code],
    vnp_TmnCode: request.vnp_TmnCode ?? '',
    vnp_TxnRef: request.vnp_TxnRef ?? '',
    ...values,
  });
  body.vnp_SecureHash = checksum(fields, body, context.hashSecret);
  return body;
}

/** The checks querydr and refund share, in VNPay's terms; undefined when the request is sound. */
function rejectRequest(
  context: SandboxContext,
  request: Record<string, string>,
  fields: readonly string[],
  optional: readonly string[],
): ApiCode | undefined {
  const missing = fields.some((field) => !optional.includes(field) && !request[field]);
  if (missing || request.vnp_Version !== vnpVersion) return apiResponseCode.invalidFormat;
  if (
    !parseVnpDate(request.vnp_TransactionDate ?? '') ||
    !parseVnpDate(request.vnp_CreateDate ?? '')
  ) {
    return apiResponseCode.invalidFormat;
  }
  if (request.vnp_TmnCode !== context.tmnCode) return apiResponseCode.invalidMerchant;
  if (!verifyChecksum(fields, request, context.hashSecret)) return apiResponseCode.invalidChecksum;
  return undefined;
}

/** The payment a querydr/refund names: VNPay finds it by vnp_TxnRef and its creation date. */
function findPayment(context: SandboxContext, request: Record<string, string>) {
  const payment = context.store.payments.get(request.vnp_TxnRef ?? '');
  return payment?.createDate === request.vnp_TransactionDate ? payment : undefined;
}

function query(context: SandboxContext, request: Record<string, string>): Answer {
  const reply = (code: ApiCode, values?: Answer) =>
    answer(context, queryResponseFields, request, code, values);
  const rejected = rejectRequest(context, request, queryRequestFields, []);
  if (rejected) return reply(rejected);
  const payment = findPayment(context, request);
  if (!payment) return reply(apiResponseCode.notFound);
  return reply(apiResponseCode.success, {
    vnp_Amount: amountToVnp(BigInt(payment.amount)),
    vnp_BankCode: payment.bankCode,
    vnp_PayDate: payment.payDate ?? '',
    vnp_TransactionNo: payment.transactionNo ?? '',
    vnp_TransactionType: transactionType.payment,
    vnp_TransactionStatus: statusOf[payment.status],
    vnp_OrderInfo: payment.orderInfo,
  });
}

/**
 * A refund: 02 refunds the whole payment at once, 03 a part; together they never exceed the
 * payment. A repeated vnp_RequestId gets the original answer again; reusing one for a different
 * refund is refused (94).
 */
function refund(context: SandboxContext, request: Record<string, string>): Answer {
  const reply = (code: ApiCode, values?: Answer) =>
    answer(context, refundResponseFields, request, code, values);
  const rejected = rejectRequest(context, request, refundRequestFields, ['vnp_TransactionNo']);
  if (rejected) return reply(rejected);
  const amount = amountFromVnp(request.vnp_Amount);
  const type = request.vnp_TransactionType;
  if (
    amount === undefined ||
    amount <= 0n ||
    (type !== transactionType.fullRefund && type !== transactionType.partialRefund)
  ) {
    return reply(apiResponseCode.invalidFormat);
  }
  const requestId = request.vnp_RequestId as string;
  const earlier = context.store.refunds.get(requestId);
  if (earlier) {
    const same =
      earlier.txnRef === request.vnp_TxnRef &&
      earlier.amount === amount.toString() &&
      earlier.transactionType === type;
    return same ? earlier.response : reply(apiResponseCode.duplicateRequest);
  }
  if (context.faults.take('refund', ['decline'])) return reply(apiResponseCode.notRefundable);
  const payment = findPayment(context, request);
  const transactionNo = request.vnp_TransactionNo;
  if (
    !payment ||
    (transactionNo && transactionNo !== '0' && transactionNo !== payment.transactionNo)
  ) {
    return reply(apiResponseCode.notFound);
  }
  if (payment.status !== 'paid') return reply(apiResponseCode.notRefundable);
  const paid = BigInt(payment.amount);
  const refunded = BigInt(payment.refundedAmount);
  const fits =
    type === transactionType.fullRefund
      ? refunded === 0n && amount === paid
      : refunded + amount <= paid;
  if (!fits) return reply(apiResponseCode.invalidAmount);

  const record: SandboxRefund = {
    requestId,
    txnRef: payment.txnRef,
    transactionType: type,
    amount: amount.toString(),
    transactionNo: context.store.takeTransactionNo(),
    orderInfo: request.vnp_OrderInfo ?? '',
    createdBy: request.vnp_CreateBy ?? '',
    createdAt: new Date().toISOString(),
    response: {},
  };
  record.response = reply(apiResponseCode.success, {
    vnp_Amount: request.vnp_Amount as string,
    vnp_BankCode: payment.bankCode,
    vnp_PayDate: payment.payDate ?? '',
    vnp_TransactionNo: record.transactionNo,
    vnp_TransactionType: type,
    vnp_TransactionStatus: transactionStatus.success,
    vnp_OrderInfo: record.orderInfo,
  });
  payment.refundedAmount = (refunded + amount).toString();
  context.store.refunds.set(requestId, record);
  context.store.changed();
  context.log.info({ txnRef: payment.txnRef, requestId, amount: record.amount, type }, 'refunded');
  return record.response;
}
