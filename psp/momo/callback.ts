import type {
  CallbackAcknowledgement,
  CallbackOutcome,
  CallbackRequest,
  CallbackVerification,
} from '../types.js';
import { pendingCodes, resultCode, signedFields } from './protocol.js';
import { verifyMomoSignature } from './signing.js';

/** The IPN's fields as strings, the form they are signed in and kept for the audit log. */
function stringFields(value: Record<string, unknown>): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string' || typeof field === 'number' || typeof field === 'boolean') {
      raw[key] = String(field);
    }
  }
  return raw;
}

function parseBody(body: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body ?? '');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * MoMo's IPN: a JSON POST signed over the result fields with our secretKey (accessKey joins
 * the signed string but not the body). Signature first; nothing unverified is looked at.
 * 0 and 9000 (authorized: held for us until capture) are payments made; the pending codes are
 * not results and are refused as malformed, so MoMo sends the IPN again.
 */
export function verifyMomoCallback(
  request: CallbackRequest,
  config: { partnerCode: string; accessKey: string; secretKey: string },
): CallbackVerification {
  const malformed = (detail: string): CallbackVerification => ({
    ok: false,
    reason: 'malformed',
    detail,
  });
  if (request.method.toUpperCase() !== 'POST') return malformed('MoMo IPNs are POSTs');
  const body = parseBody(request.body);
  if (!body) return malformed('the body is not a JSON object');
  const raw = stringFields(body);
  if (!raw.signature) {
    return { ok: false, reason: 'invalid_signature', detail: 'signature is missing' };
  }
  const signed = { ...raw, accessKey: config.accessKey };
  if (!verifyMomoSignature(signedFields.result, signed, config.secretKey, raw.signature)) {
    return { ok: false, reason: 'invalid_signature', detail: 'signature does not match' };
  }
  if (raw.partnerCode !== config.partnerCode) {
    return malformed(`partnerCode ${JSON.stringify(raw.partnerCode)} is not this merchant`);
  }
  if (!raw.orderId) return malformed('orderId is missing');
  if (!/^\d{1,20}$/.test(raw.amount ?? '')) return malformed('amount is not a whole VND amount');
  if (!/^\d+$/.test(raw.resultCode ?? '')) return malformed('resultCode is not a number');
  const code = Number(raw.resultCode);
  if (pendingCodes.has(code)) return malformed(`resultCode ${code} is not a result yet`);
  if (!/^\d{1,15}$/.test(raw.responseTime ?? '')) return malformed('responseTime is not epoch ms');
  const succeeded = code === resultCode.success || code === resultCode.authorized;
  if (succeeded && !/^\d{1,20}$/.test(raw.transId ?? '')) return malformed('transId is missing');
  return {
    ok: true,
    event: {
      txnRef: raw.orderId,
      providerTransactionId: raw.transId ?? '',
      amount: BigInt(raw.amount as string),
      currency: 'VND',
      status: succeeded ? 'succeeded' : 'failed',
      paidAt: new Date(Number(raw.responseTime)),
      raw,
    },
  };
}

/**
 * MoMo takes HTTP 204 No Content as "received" and resends otherwise. An unknown order and our
 * own errors are answered so that it resends (the order may not be committed yet); a bad
 * signature is a plain 400, as MoMo never sends one.
 */
export function momoAcknowledgement(outcome: CallbackOutcome): CallbackAcknowledgement {
  switch (outcome) {
    case 'confirmed':
    case 'already_confirmed':
    case 'invalid_amount':
      return { status: 204, body: null, contentType: 'application/json' };
    case 'order_not_found':
      return { status: 404, body: { message: 'Order not found' }, contentType: 'application/json' };
    case 'invalid_signature':
      return {
        status: 400,
        body: { message: 'Invalid signature' },
        contentType: 'application/json',
      };
    case 'error':
      return { status: 500, body: { message: 'Try again' }, contentType: 'application/json' };
  }
}
