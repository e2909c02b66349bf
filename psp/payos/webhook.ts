import type {
  CallbackAcknowledgement,
  CallbackOutcome,
  CallbackRequest,
  CallbackVerification,
} from '../types.js';
import { verifyBodySignature } from './body-signature.js';

/** `data.code` of a webhook for a transfer that arrived (§2.6). */
const PAID = '00';

const malformed = (detail: string): CallbackVerification => ({
  ok: false,
  reason: 'malformed',
  detail,
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A payOS payment webhook (§2.6): a JSON POST whose `data` is signed (§4B) with the payment
 * channel's checksum key, checked on `data` as parsed so a field payOS adds later still counts.
 * The top-level code/desc/success are not signed and are not read. payOS echoes the orderCode,
 * not our txnRef: the event's txnRef is the orderCode in decimal (orderCodeOf(txnRef) gives it).
 */
export function verifyPayosWebhook(
  request: CallbackRequest,
  checksumKey: string,
): CallbackVerification {
  if (request.method !== 'POST' || !request.body) return malformed('payOS POSTs a JSON body');
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return malformed('the body is not JSON');
  }
  if (!isRecord(body) || !isRecord(body.data)) return malformed('no `data` object');
  const { data, signature } = body;
  if (typeof signature !== 'string' || signature === '') {
    return { ok: false, reason: 'invalid_signature', detail: 'signature is missing' };
  }
  if (!verifyBodySignature(checksumKey, data, signature)) {
    return { ok: false, reason: 'invalid_signature', detail: 'signature does not match data' };
  }
  const { orderCode, amount, paymentLinkId, code, currency } = data;
  if (typeof orderCode !== 'number' || !Number.isSafeInteger(orderCode) || orderCode <= 0) {
    return malformed('data.orderCode is not a positive integer');
  }
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) {
    return malformed('data.amount is not a whole VND amount');
  }
  if (typeof paymentLinkId !== 'string' || paymentLinkId === '') {
    return malformed('data.paymentLinkId is missing');
  }
  if (typeof code !== 'string') return malformed('data.code is missing');
  if (currency !== undefined && currency !== 'VND')
    return malformed(`data.currency is ${String(currency)}`);
  const paidAt = parsePayosTime(data.transactionDateTime);
  if (!paidAt) return malformed('data.transactionDateTime is not a date');
  return {
    ok: true,
    event: {
      txnRef: String(orderCode),
      // One per link, the same in every webhook and in a GET: what duplicates are told by.
      providerTransactionId: paymentLinkId,
      amount: BigInt(amount),
      currency: 'VND',
      status: code === PAID ? 'succeeded' : 'failed',
      paidAt,
      raw: Object.fromEntries(
        Object.entries(data).map(([key, value]) => [
          key,
          value === null || value === undefined ? '' : String(value),
        ]),
      ),
    },
  };
}

/**
 * payOS's webhook time: `2023-02-04 18:25:00` in Vietnam time in its samples, ISO with an
 * offset in its payment-link data. Both are read.
 */
function parsePayosTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value);
  let time = Number.NaN;
  if (local) {
    const [year, month, day, hour, minute, second] = local.slice(1).map(Number);
    time = Date.UTC(year ?? 0, (month ?? 1) - 1, day, (hour ?? 0) - 7, minute, second);
  } else if (/[zZ]|[+-]\d{2}:\d{2}$/.test(value)) {
    time = Date.parse(value);
  }
  return Number.isNaN(time) ? undefined : new Date(time);
}

/**
 * payOS reads only the HTTP status: any 2xx ends its deliveries. Outcomes a retry cannot change
 * (unknown order, its own probe among them; wrong amount, refunded by the engine) get 200; a
 * bad signature or our own failure a non-2xx, so a real webhook comes again once fixed.
 */
const acknowledgements: Record<CallbackOutcome, { status: number; message: string }> = {
  confirmed: { status: 200, message: 'confirmed' },
  already_confirmed: { status: 200, message: 'already confirmed' },
  order_not_found: { status: 200, message: 'order not found' },
  invalid_amount: { status: 200, message: 'invalid amount' },
  invalid_signature: { status: 400, message: 'invalid signature' },
  error: { status: 500, message: 'not processed' },
};

export function payosAcknowledgement(outcome: CallbackOutcome): CallbackAcknowledgement {
  const { status, message } = acknowledgements[outcome];
  return { status, body: { success: status === 200, message }, contentType: 'application/json' };
}
