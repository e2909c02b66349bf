import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { formatVnpDate, parseVnpDate } from '../psp/vnpay/dates.js';
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
  const refund = latestRefund(context, payment.txnRef);
  if (refund) {
    const shown = refundStatusOf[refund.status];
    observe(context, payment, refund);
    return reply(apiResponseCode.success, {
      vnp_Amount: amountToVnp(BigInt(refund.amount)),
      vnp_BankCode: payment.bankCode,
      vnp_PayDate: refundDate(refund),
      vnp_TransactionNo: refund.transactionNo,
      vnp_TransactionType: refund.transactionType,
      vnp_TransactionStatus: shown,
      vnp_OrderInfo: refund.orderInfo,
    });
  }
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

const refundStatusOf: Record<SandboxRefund['status'], string> = {
  processing: transactionStatus.refundProcessing,
  sent_to_bank: transactionStatus.refundSentToBank,
  succeeded: transactionStatus.success,
  failed: transactionStatus.refundRejected,
};

const refundDate = (refund: SandboxRefund) => formatVnpDate(new Date(refund.createdAt));

/** querydr shows one record per TxnRef, as VNPay does: its latest refund, once it has one. */
function latestRefund(context: SandboxContext, txnRef: string): SandboxRefund | undefined {
  return [...context.store.refunds.values()].filter((refund) => refund.txnRef === txnRef).at(-1);
}

/**
 * A pending refund moves on each time querydr shows it: processing → sent to the bank, and
 * after its last pending query to its outcome. A rejected refund gives its amount back.
 */
function observe(context: SandboxContext, payment: SandboxPayment, refund: SandboxRefund): void {
  const { pending } = refund;
  if (!pending) return;
  pending.queriesLeft -= 1;
  if (pending.queriesLeft > 0) {
    refund.status = 'sent_to_bank';
  } else {
    refund.status = pending.outcome;
    refund.finalAt = new Date().toISOString();
    delete refund.pending;
    if (refund.status === 'failed') {
      payment.refundedAmount = (BigInt(payment.refundedAmount) - BigInt(refund.amount)).toString();
    }
    context.log.info(
      { txnRef: refund.txnRef, requestId: refund.requestId },
      `refund ${refund.status}`,
    );
  }
  context.store.changed();
}

/**
 * A refund: 02 refunds the whole payment at once, 03 a part; together they never exceed the
 * payment. Like VNPay, a repeated vnp_RequestId gets 94 (not the first answer again), and so
 * does a refund while another of the payment is still pending.
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
  if (context.store.refunds.has(requestId)) return reply(apiResponseCode.duplicateRequest);
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
  if (latestRefund(context, payment.txnRef)?.pending) {
    return reply(apiResponseCode.duplicateRequest);
  }
  const paid = BigInt(payment.amount);
  const refunded = BigInt(payment.refundedAmount);
  const fits =
    type === transactionType.fullRefund
      ? refunded === 0n && amount === paid
      : refunded + amount <= paid;
  if (!fits) return reply(apiResponseCode.invalidAmount);

  const pending = context.faults.take('refund', ['pending']);
  const createdAt = new Date().toISOString();
  const record: SandboxRefund = {
    requestId,
    txnRef: payment.txnRef,
    transactionType: type,
    amount: amount.toString(),
    transactionNo: context.store.takeTransactionNo(),
    orderInfo: request.vnp_OrderInfo ?? '',
    createdBy: request.vnp_CreateBy ?? '',
    createdAt,
    ...(pending
      ? {
          status: 'processing',
          pending: { queriesLeft: pending.pendingQueries, outcome: pending.outcome },
        }
      : { status: 'succeeded', finalAt: createdAt }),
  };
  // A pending refund holds its amount until it ends; a rejected one gives it back.
  payment.refundedAmount = (refunded + amount).toString();
  context.store.refunds.set(requestId, record);
  context.store.changed();
  context.log.info(
    { txnRef: payment.txnRef, requestId, amount: record.amount, type, status: record.status },
    'refund accepted',
  );
  return reply(apiResponseCode.success, {
    vnp_Amount: request.vnp_Amount as string,
    vnp_BankCode: payment.bankCode,
    vnp_PayDate: refundDate(record),
    vnp_TransactionNo: record.transactionNo,
    vnp_TransactionType: type,
    vnp_TransactionStatus: refundStatusOf[record.status],
    vnp_OrderInfo: record.orderInfo,
  });
}
