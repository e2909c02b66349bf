import { type CreatePaymentInput, type CreatePaymentResult, PspPermanentError } from '../types.js';
import { endpoint, type ZalopayConfig } from './config.js';
import { commonFailure, postZalopay } from './http.js';
import { appTransIdFor } from './ids.js';
import {
  fieldLimits,
  orderLifetimeSeconds,
  paths,
  returnCode,
  subReturnCode,
  ZALOPAY_LIMITS,
} from './protocol.js';
import { createOrderMac } from './signing.js';

/** embed_data of our orders: the txnRef comes back in the callback, the buyer goes back to us. */
export interface OurEmbedData {
  txnRef: string;
  redirecturl: string;
}

const permanent = (code: PspPermanentError['code'], message: string) =>
  new PspPermanentError(code, message, 'zalopay');

/** The amount rules of ZALOPAY_LIMITS, as the API's 422 states them too. */
export function assertZalopayAmount(amount: bigint, currency: string): void {
  if (currency !== ZALOPAY_LIMITS.currency) {
    throw permanent('unsupported_currency', `ZaloPay takes VND only, got ${currency}`);
  }
  if (amount < ZALOPAY_LIMITS.min) {
    throw permanent('invalid_amount', `ZaloPay's minimum is ${ZALOPAY_LIMITS.min} VND`);
  }
  if (amount > ZALOPAY_LIMITS.max) {
    throw permanent('invalid_amount', `ZaloPay's maximum is ${ZALOPAY_LIMITS.max} VND`);
  }
}

/** Vietnamese is fine here (ZaloPay shows it in its app); only the length is capped. */
const toDescription = (text: string) =>
  text.trim().slice(0, fieldLimits.description) || 'Thanh toan don hang';

/**
 * Creates the order (/v2/create) and answers its order_url. app_time is this call's clock,
 * rounded to the millisecond, and comes back as createdAt: query and refund rebuild the
 * app_trans_id from it.
 */
export async function createOrder(
  config: ZalopayConfig,
  input: CreatePaymentInput,
  now: Date = new Date(),
): Promise<CreatePaymentResult> {
  assertZalopayAmount(input.amount, input.currency);
  if (!input.txnRef) throw permanent('invalid_request', 'txnRef is required');
  if (!URL.canParse(input.returnUrl)) {
    throw permanent('invalid_request', `returnUrl is not a URL: ${input.returnUrl}`);
  }
  const lifetime = Math.floor((input.expiresAt.getTime() - now.getTime()) / 1000);
  if (lifetime < orderLifetimeSeconds.min || lifetime > orderLifetimeSeconds.max) {
    throw permanent(
      'invalid_request',
      `ZaloPay orders live ${orderLifetimeSeconds.min} s to ${orderLifetimeSeconds.max} s, asked ${lifetime} s`,
    );
  }
  const embed: OurEmbedData = { txnRef: input.txnRef, redirecturl: input.returnUrl };
  const order = {
    app_id: Number(config.appId),
    app_trans_id: appTransIdFor(input.txnRef, now),
    app_user: config.appUser.slice(0, fieldLimits.appUser),
    app_time: now.getTime(),
    amount: Number(input.amount),
    expire_duration_seconds: lifetime,
    item: '[]',
    embed_data: JSON.stringify(embed),
    description: toDescription(input.description),
    ...(config.callbackUrl ? { callback_url: config.callbackUrl } : {}),
  };
  const answer = await postZalopay(
    endpoint(config, paths.create),
    { ...order, mac: createOrderMac(config.key1, order) },
    config.timeoutMs,
  );
  const failure = commonFailure('create', answer);
  if (failure) throw failure;
  if (answer.sub_return_code === subReturnCode.duplicateAppTransId) {
    // Our ids carry the millisecond of their call: a duplicate means a clash, not a retry.
    throw permanent('idempotency_conflict', `create: app_trans_id ${order.app_trans_id} exists`);
  }
  if (answer.return_code !== returnCode.success || typeof answer.order_url !== 'string') {
    throw permanent(
      'invalid_response',
      `create: ZaloPay answered ${answer.return_code}/${answer.sub_return_code ?? ''} without an order_url`,
    );
  }
  return {
    url: answer.order_url,
    expiresAt: new Date(now.getTime() + lifetime * 1000),
    createdAt: now,
  };
}
