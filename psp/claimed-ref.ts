import type { CallbackRequest } from './types.js';

// The order reference a callback claims, read before its signature is checked, only to find
// the escrow whose platform's credentials then verify it. Nothing else is read or trusted.

const jsonObject = (text: string | undefined): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** VNPay: vnp_TxnRef, in the query (GET) or a form body. */
export const vnpayClaimedRef = (request: CallbackRequest): string | undefined =>
  text(request.query.vnp_TxnRef) ??
  text(new URLSearchParams(request.body ?? '').get('vnp_TxnRef') ?? undefined);

/** MoMo: the JSON body's orderId, which is our txnRef. */
export const momoClaimedRef = (request: CallbackRequest): string | undefined =>
  text(jsonObject(request.body)?.orderId);

/** ZaloPay: the txnRef in the embed_data of the `data` string. */
export const zalopayClaimedRef = (request: CallbackRequest): string | undefined => {
  const data = jsonObject(request.body)?.data;
  const order = typeof data === 'string' ? jsonObject(data) : undefined;
  const embed = typeof order?.embed_data === 'string' ? jsonObject(order.embed_data) : undefined;
  return text(embed?.txnRef);
};

/** payOS: data.orderCode, the order reference the engine keeps (order_ref). */
export const payosClaimedRef = (request: CallbackRequest): string | undefined => {
  const data = jsonObject(request.body)?.data;
  const orderCode =
    typeof data === 'object' && data !== null
      ? (data as { orderCode?: unknown }).orderCode
      : undefined;
  return typeof orderCode === 'number' && Number.isSafeInteger(orderCode)
    ? String(orderCode)
    : undefined;
};
