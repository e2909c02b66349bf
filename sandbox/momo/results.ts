import { resultCode, signedFields } from '../../psp/momo/protocol.js';
import { momoSignature } from '../../psp/momo/signing.js';
import type { SandboxMomoPayment } from '../store.js';
import type { MomoCredentials } from './credentials.js';

/** MoMo's messages for the codes the sandbox answers with. */
export const messages: Record<number, string> = {
  [resultCode.success]: 'Successful.',
  [resultCode.accessDenied]: 'Access denied.',
  [resultCode.authFailed]: 'Merchant authentication failed.',
  [resultCode.badFormat]: 'Bad format request.',
  [resultCode.invalidAmount]: 'Invalid amount.',
  [resultCode.duplicateRequestId]: 'Duplicated requestId.',
  [resultCode.duplicateOrderId]: 'Duplicated orderId.',
  [resultCode.orderNotFound]: 'Invalid orderId or orderId is not found.',
  [resultCode.conflict]: 'Request rejected due to a conflicting transaction.',
  [resultCode.awaitingUser]: 'Transaction initiated, waiting for user confirmation.',
  [resultCode.insufficientFunds]: 'Insufficient funds.',
  [resultCode.cancelled]: 'Transaction cancelled.',
  [resultCode.expired]: 'Transaction expired.',
  [resultCode.userDeclined]: 'Transaction denied by user.',
  [resultCode.refundRejected]:
    'Refund rejected: already refunded or amount exceeds the refundable amount.',
  [resultCode.notRefundable]: 'Refund rejected: the payment does not support refunds.',
  [resultCode.processing]: 'Transaction is being processed.',
  [resultCode.authorized]: 'Transaction authorized successfully.',
};

export const messageOf = (code: number): string => messages[code] ?? 'Unknown error.';

/**
 * The result MoMo sends to the IPN URL (JSON body) and the redirect URL (query) once an order
 * is decided, signed over the result fields. `override` makes the stale, out-of-order variant.
 */
export function resultBody(
  credentials: MomoCredentials,
  payment: SandboxMomoPayment,
  override: { resultCode?: number; responseTime?: number } = {},
): Record<string, string | number> {
  const code = override.resultCode ?? payment.resultCode;
  const body: Record<string, string | number> = {
    partnerCode: credentials.partnerCode,
    orderId: payment.orderId,
    requestId: payment.requestId,
    amount: Number(payment.amount),
    orderInfo: payment.orderInfo,
    orderType: 'momo_wallet',
    transId: Number(payment.transId ?? 0),
    resultCode: code,
    message: messageOf(code),
    payType: payment.payType ?? '',
    responseTime: override.responseTime ?? payment.decidedAt ?? Date.now(),
    extraData: payment.extraData,
  };
  body.signature = momoSignature(
    signedFields.result,
    { ...body, accessKey: credentials.accessKey },
    credentials.secretKey,
  );
  return body;
}
