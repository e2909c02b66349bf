/** VNPay 2.1.0 constants: field orders of the merchant_webapi checksums and the codes we use. */

export const vnpVersion = '2.1.0';

/**
 * What one VNPay payment may be: VND, from 5,000 to under 1,000,000,000 (the bounds VNPay's
 * payment page states when it refuses an amount; the 2.1.0 spec publishes none). The API's 422
 * reads them; the adapter leaves the refusal to VNPay.
 */
export const VNPAY_LIMITS = { currency: 'VND', min: 5_000n, max: 999_999_999n } as const;
export const paymentPath = '/paymentv2/vpcpay.html';
export const transactionApiPath = '/merchant_webapi/api/transaction';

export const refundRequestFields = [
  'vnp_RequestId',
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_TransactionType',
  'vnp_TxnRef',
  'vnp_Amount',
  'vnp_TransactionNo',
  'vnp_TransactionDate',
  'vnp_CreateBy',
  'vnp_CreateDate',
  'vnp_IpAddr',
  'vnp_OrderInfo',
] as const;

export const queryRequestFields = [
  'vnp_RequestId',
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_TxnRef',
  'vnp_TransactionDate',
  'vnp_CreateDate',
  'vnp_IpAddr',
  'vnp_OrderInfo',
] as const;

export const refundResponseFields = [
  'vnp_ResponseId',
  'vnp_Command',
  'vnp_ResponseCode',
  'vnp_Message',
  'vnp_TmnCode',
  'vnp_TxnRef',
  'vnp_Amount',
  'vnp_BankCode',
  'vnp_PayDate',
  'vnp_TransactionNo',
  'vnp_TransactionType',
  'vnp_TransactionStatus',
  'vnp_OrderInfo',
] as const;

export const queryResponseFields = [
  ...refundResponseFields,
  'vnp_PromotionCode',
  'vnp_PromotionAmount',
] as const;

/** vnp_ResponseCode of a payment (return URL and IPN). */
export const paymentResponseCode = {
  success: '00',
  customerCancelled: '24',
  insufficientFunds: '51',
} as const;

/**
 * vnp_TransactionStatus, in IPNs, querydr and refund answers: VNPay's table (querydr&refund.html,
 * mirrored in lehuygiang28/vnpay's TRANSACTION_STATUS_RESPONSE_MAP). 05, 06 and 09 are refund
 * states; 04 means the bank debited the buyer but VNPay did not complete the payment.
 */
export const transactionStatus = {
  success: '00',
  pending: '01',
  failed: '02',
  reversed: '04',
  refundProcessing: '05',
  refundSentToBank: '06',
  suspectedFraud: '07',
  refundRejected: '09',
} as const;

/**
 * vnp_TransactionType in querydr answers: what the TxnRef's record at VNPay is — the payment
 * (01) or a refund of it, full (02) or partial (03). Refund requests send 02 or 03.
 */
export const transactionType = { payment: '01', fullRefund: '02', partialRefund: '03' } as const;

/** vnp_ResponseCode of querydr and refund answers. */
export const apiResponseCode = {
  success: '00',
  invalidMerchant: '02',
  invalidFormat: '03',
  notFound: '91',
  invalidAmount: '93',
  /**
   * refund: VNPay already holds a refund request for the payment and is processing it ("Giao
   * dịch đã được gửi yêu cầu hoàn tiền trước đó"): a repeated vnp_RequestId, or another refund
   * while one is in progress. querydr: the same request within the API's time limit.
   */
  duplicateRequest: '94',
  notRefundable: '95',
  invalidChecksum: '97',
  other: '99',
} as const;

/** The merchant's IPN answer; VNPay stops retrying only on 00 and 02. */
export const ipnAck = {
  confirmed: { RspCode: '00', Message: 'Confirm Success' },
  already_confirmed: { RspCode: '02', Message: 'Order already confirmed' },
  order_not_found: { RspCode: '01', Message: 'Order not found' },
  invalid_amount: { RspCode: '04', Message: 'Invalid amount' },
  invalid_signature: { RspCode: '97', Message: 'Invalid Checksum' },
  error: { RspCode: '99', Message: 'Unknown error' },
} as const;

export const ipnFinalRspCodes: ReadonlySet<string> = new Set(['00', '02']);

/** JSON values as the strings VNPay's checksums are computed over. */
export function jsonStrings(value: unknown): Record<string, string> {
  const strings: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return strings;
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string' || typeof field === 'number') strings[key] = String(field);
  }
  return strings;
}

/** VNPay amounts are VND × 100. */
export const amountToVnp = (vnd: bigint): string => (vnd * 100n).toString();

/** Undefined when the text is not a whole number of VND × 100. */
export function amountFromVnp(text: string | undefined): bigint | undefined {
  if (text === undefined || !/^\d{1,20}$/.test(text)) return undefined;
  const value = BigInt(text);
  return value % 100n === 0n ? value / 100n : undefined;
}

/** vnp_TransactionNo of an answer, when it names a transaction ('0' stands for none). */
export function transactionNoOf(answer: Record<string, string>): string | undefined {
  const transactionNo = answer.vnp_TransactionNo;
  return transactionNo && transactionNo !== '0' ? transactionNo : undefined;
}
