import { type CreatePaymentInput, type CreatePaymentResult, PspPermanentError } from '../types.js';
import { formatVnpDate } from './dates.js';
import { assertTxnRef, toOrderInfo } from './fields.js';
import { amountToVnp, paymentPath, vnpVersion } from './protocol.js';
import { signedQueryString } from './signing.js';

export interface PaymentUrlConfig {
  baseUrl: string;
  tmnCode: string;
  hashSecret: string;
}

const wholeSeconds = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);

/**
 * The signed payment URL. No request is made: VNPay learns of the payment when the buyer opens
 * it, and the same vnp_TxnRef can only be paid once, which is what makes this idempotent.
 */
export function buildPaymentUrl(
  config: PaymentUrlConfig,
  input: CreatePaymentInput,
  now: Date = new Date(),
): CreatePaymentResult {
  const invalid = (message: string) => new PspPermanentError('invalid_request', message, 'vnpay');
  if (input.currency !== 'VND') {
    throw new PspPermanentError(
      'unsupported_currency',
      `VNPay takes VND only, got ${input.currency}`,
      'vnpay',
    );
  }
  if (input.amount <= 0n) throw invalid(`amount must be positive, got ${input.amount}`);
  assertTxnRef(input.txnRef);
  if (!URL.canParse(input.returnUrl)) throw invalid(`returnUrl is not a URL: ${input.returnUrl}`);
  if (!input.clientIp) throw invalid('clientIp is required (vnp_IpAddr)');
  const createdAt = wholeSeconds(now);
  const expiresAt = wholeSeconds(input.expiresAt);
  if (expiresAt <= createdAt) throw invalid('expiresAt must be in the future');

  const params: Record<string, string> = {
    vnp_Version: vnpVersion,
    vnp_Command: 'pay',
    vnp_TmnCode: config.tmnCode,
    vnp_Amount: amountToVnp(input.amount),
    vnp_CurrCode: 'VND',
    vnp_TxnRef: input.txnRef,
    vnp_OrderInfo: toOrderInfo(input.description),
    vnp_OrderType: 'other',
    vnp_Locale: 'vn',
    vnp_ReturnUrl: input.returnUrl,
    vnp_IpAddr: input.clientIp,
    vnp_CreateDate: formatVnpDate(createdAt),
    vnp_ExpireDate: formatVnpDate(expiresAt),
  };
  const url = `${config.baseUrl.replace(/\/+$/, '')}${paymentPath}?${signedQueryString(params, config.hashSecret)}`;
  return { url, expiresAt, createdAt };
}
