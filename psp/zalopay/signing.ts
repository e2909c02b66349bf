import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * ZaloPay v2 MACs: HMAC-SHA256, hex, over fields joined with '|' in an order fixed per call.
 * key1 signs what the merchant sends, key2 what ZaloPay sends back (callbacks, redirects).
 * Shared by the adapter and the sandbox PSP so the two never disagree on a byte.
 */

export function hmacSha256Hex(key: string, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests, case-insensitive. */
export function macEquals(expected: string, actual: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'utf8');
  const b = Buffer.from(actual.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

const joined = (values: ReadonlyArray<string | number | bigint>) => values.join('|');

export interface CreateOrderMacInput {
  app_id: string | number;
  app_trans_id: string;
  app_user: string;
  amount: string | number | bigint;
  app_time: string | number;
  embed_data: string;
  item: string;
}

/** /v2/create: app_id|app_trans_id|app_user|amount|app_time|embed_data|item with key1. */
export const createOrderMac = (key1: string, o: CreateOrderMacInput): string =>
  hmacSha256Hex(
    key1,
    joined([o.app_id, o.app_trans_id, o.app_user, o.amount, o.app_time, o.embed_data, o.item]),
  );

/** Callback: the raw `data` string, byte for byte as received, with key2. */
export const callbackMac = (key2: string, data: string): string => hmacSha256Hex(key2, data);

/** /v2/query: app_id|app_trans_id|key1 with key1 (the key is in the input too, as specified). */
export const queryMac = (key1: string, appId: string | number, appTransId: string): string =>
  hmacSha256Hex(key1, joined([appId, appTransId, key1]));

export interface RefundMacInput {
  app_id: string | number;
  zp_trans_id: string;
  amount: string | number | bigint;
  refund_fee_amount?: string | number | bigint;
  description: string;
  timestamp: string | number;
}

/**
 * /v2/refund: app_id|zp_trans_id|amount|description|timestamp with key1; with a refund fee,
 * refund_fee_amount goes between amount and description.
 */
export const refundMac = (key1: string, r: RefundMacInput): string =>
  hmacSha256Hex(
    key1,
    joined([
      r.app_id,
      r.zp_trans_id,
      r.amount,
      ...(r.refund_fee_amount === undefined ? [] : [r.refund_fee_amount]),
      r.description,
      r.timestamp,
    ]),
  );

/** /v2/query_refund: app_id|m_refund_id|timestamp with key1. */
export const queryRefundMac = (
  key1: string,
  appId: string | number,
  mRefundId: string,
  timestamp: string | number,
): string => hmacSha256Hex(key1, joined([appId, mRefundId, timestamp]));

export interface RedirectChecksumInput {
  appid: string;
  apptransid: string;
  pmcid: string;
  bankcode: string;
  amount: string;
  discountamount: string;
  status: string;
}

/**
 * The buyer's redirect to embed_data.redirecturl: checksum over
 * appid|apptransid|pmcid|bankcode|amount|discountamount|status with key2.
 */
export const redirectChecksum = (key2: string, r: RedirectChecksumInput): string =>
  hmacSha256Hex(
    key2,
    joined([r.appid, r.apptransid, r.pmcid, r.bankcode, r.amount, r.discountamount, r.status]),
  );
