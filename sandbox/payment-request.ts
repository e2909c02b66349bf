import { parseVnpDate } from '../psp/vnpay/dates.js';
import { amountFromVnp, vnpVersion } from '../psp/vnpay/protocol.js';
import { verifyQuery } from '../psp/vnpay/signing.js';
import type { SandboxContext } from './context.js';
import type { SandboxPayment } from './store.js';

export interface PaymentProblem {
  status: 400 | 409;
  code: 'invalid_signature' | 'unknown_merchant' | 'invalid_request' | 'txn_ref_conflict';
  message: string;
}

const requiredParams = [
  'vnp_Version',
  'vnp_Command',
  'vnp_TmnCode',
  'vnp_Amount',
  'vnp_CurrCode',
  'vnp_TxnRef',
  'vnp_OrderInfo',
  'vnp_OrderType',
  'vnp_Locale',
  'vnp_ReturnUrl',
  'vnp_IpAddr',
  'vnp_CreateDate',
  'vnp_ExpireDate',
] as const;

/**
 * The payment a signed payment URL asks for: the existing record for its vnp_TxnRef, or a new
 * pending one. Opening the same URL twice is the same payment.
 */
export function openPayment(
  context: SandboxContext,
  params: Record<string, string>,
): SandboxPayment | PaymentProblem {
  if (!verifyQuery(params, context.hashSecret)) {
    return { status: 400, code: 'invalid_signature', message: 'vnp_SecureHash does not match' };
  }
  if (params.vnp_TmnCode !== context.tmnCode) {
    return { status: 400, code: 'unknown_merchant', message: 'vnp_TmnCode is not registered' };
  }
  const invalid = (message: string): PaymentProblem => ({
    status: 400,
    code: 'invalid_request',
    message,
  });
  const missing = requiredParams.filter((name) => !params[name]);
  if (missing.length > 0) return invalid(`missing ${missing.join(', ')}`);
  if (params.vnp_Version !== vnpVersion || params.vnp_Command !== 'pay') {
    return invalid(`expected vnp_Version=${vnpVersion} and vnp_Command=pay`);
  }
  if (params.vnp_CurrCode !== 'VND') return invalid('vnp_CurrCode must be VND');
  const amount = amountFromVnp(params.vnp_Amount);
  if (amount === undefined || amount <= 0n) return invalid('vnp_Amount must be VND × 100');
  const createdAt = parseVnpDate(params.vnp_CreateDate as string);
  const expiresAt = parseVnpDate(params.vnp_ExpireDate as string);
  if (!createdAt || !expiresAt) return invalid('vnp_CreateDate/vnp_ExpireDate: yyyyMMddHHmmss');
  if (!URL.canParse(params.vnp_ReturnUrl as string)) return invalid('vnp_ReturnUrl is not a URL');

  const txnRef = params.vnp_TxnRef as string;
  const existing = context.store.payments.get(txnRef);
  if (existing) {
    if (existing.amount !== amount.toString()) {
      return {
        status: 409,
        code: 'txn_ref_conflict',
        message: `vnp_TxnRef ${txnRef} belongs to another payment`,
      };
    }
    return existing;
  }
  const payment: SandboxPayment = {
    txnRef,
    status: 'pending',
    amount: amount.toString(),
    orderInfo: params.vnp_OrderInfo as string,
    returnUrl: params.vnp_ReturnUrl as string,
    ipAddr: params.vnp_IpAddr as string,
    createDate: params.vnp_CreateDate as string,
    expireDate: params.vnp_ExpireDate as string,
    bankCode: params.vnp_BankCode || 'NCB',
    refundedAmount: '0',
    ipn: [],
    createdAt: new Date().toISOString(),
  };
  context.store.payments.set(txnRef, payment);
  context.store.changed();
  return payment;
}

export const isProblem = (value: SandboxPayment | PaymentProblem): value is PaymentProblem =>
  'code' in value;
