import type {
  CallbackAcknowledgement,
  CallbackOutcome,
  CallbackRequest,
  CallbackVerification,
} from '../types.js';
import { appTransIdFor } from './ids.js';
import type { OurEmbedData } from './payment.js';
import { callbackAck } from './protocol.js';
import { callbackMac, macEquals } from './signing.js';

const objectOf = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/** A JSON number that survived parsing exactly (ZaloPay's ids are int64). */
const wholeNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * The callback: a JSON POST of {data, mac, type}, mac = HMAC-SHA256(key2, data) over the data
 * string exactly as sent. The mac is checked before anything in data is read. ZaloPay calls back
 * only for money it received, so every verified order callback is a success.
 */
export function verifyZalopayCallback(
  request: CallbackRequest,
  { appId, key2 }: { appId: string; key2: string },
): CallbackVerification {
  const malformed = (detail: string): CallbackVerification => ({
    ok: false,
    reason: 'malformed',
    detail,
  });
  if (request.method !== 'POST' || !request.body) return malformed('expected a JSON POST body');
  const envelope = objectOf(request.body);
  if (!envelope) return malformed('the body is not a JSON object');
  const { data, mac, type } = envelope;
  if (typeof mac !== 'string' || mac === '') {
    return { ok: false, reason: 'invalid_signature', detail: 'mac is missing' };
  }
  if (typeof data !== 'string') return malformed('data is not a string');
  if (!macEquals(callbackMac(key2, data), mac)) {
    return { ok: false, reason: 'invalid_signature', detail: 'mac does not match data' };
  }
  if (type !== 1) return malformed(`type ${JSON.stringify(type)} is not an order callback`);
  const order = objectOf(data);
  if (!order) return malformed('data is not a JSON object');
  if (String(order.app_id) !== appId) {
    return malformed(`app_id ${JSON.stringify(order.app_id)} is not this app`);
  }
  const { app_trans_id: appTransId, amount, zp_trans_id: zpTransId, server_time } = order;
  if (typeof appTransId !== 'string') return malformed('app_trans_id is missing');
  if (!wholeNumber(amount)) return malformed('amount is not a whole VND amount');
  if (!wholeNumber(zpTransId)) return malformed('zp_trans_id is not an int64 id');
  if (!wholeNumber(server_time)) return malformed('server_time is not a timestamp');
  const embed = typeof order.embed_data === 'string' ? objectOf(order.embed_data) : undefined;
  const txnRef = (embed as Partial<OurEmbedData> | undefined)?.txnRef;
  if (typeof txnRef !== 'string' || txnRef === '') return malformed('embed_data has no txnRef');
  // The app_trans_id is ours to derive: one that does not follow from the txnRef and app_time
  // is not an order we made.
  if (
    !wholeNumber(order.app_time) ||
    appTransIdFor(txnRef, new Date(order.app_time)) !== appTransId
  ) {
    return malformed(`app_trans_id ${appTransId} is not ours for txnRef ${txnRef}`);
  }
  return {
    ok: true,
    event: {
      txnRef,
      providerTransactionId: String(zpTransId),
      amount: BigInt(amount),
      currency: 'VND',
      status: 'succeeded',
      paidAt: new Date(server_time),
      raw: { data, mac, type: String(type) },
    },
  };
}

const acks: Record<CallbackOutcome, { return_code: number; return_message: string }> = {
  confirmed: { return_code: callbackAck.confirmed, return_message: 'success' },
  already_confirmed: {
    return_code: callbackAck.alreadyProcessed,
    return_message: 'already processed',
  },
  // Any other code makes ZaloPay call again (3 times at most): fine for an order not yet known
  // or an error here; useless but harmless for the refused ones, which stay refused.
  order_not_found: { return_code: 0, return_message: 'order not found' },
  invalid_amount: { return_code: -1, return_message: 'invalid amount' },
  invalid_signature: { return_code: -1, return_message: 'mac not equal' },
  error: { return_code: 0, return_message: 'internal error, call again' },
};

export function zalopayAcknowledgement(outcome: CallbackOutcome): CallbackAcknowledgement {
  return { status: 200, body: { ...acks[outcome] }, contentType: 'application/json' };
}
