import {
  type PayoutInput,
  type PayoutResult,
  PspPermanentError,
  type PspPermanentErrorCode,
} from '../types.js';
import { parseJsonObject, postJson } from './http.js';
import { payoutPath } from './protocol.js';
import { hexDigestEquals, payoutSignature, payoutSignatureHeader } from './signing.js';

/**
 * VNPay's merchant API has no payouts (they are bank transfers outside the gateway), so this
 * talks to the sandbox PSP's own endpoint. The wire format is shared with the sandbox.
 */
export interface PayoutRequestBody {
  tmnCode: string;
  /** Decimal string in the currency's minor unit: JSON has no bigint. */
  amount: string;
  currency: string;
  destination: { bankCode: string; accountNumber: string; accountName: string };
  description: string;
}

export interface PayoutSuccessBody {
  payoutId: string;
  status: 'succeeded';
  amount: string;
  currency: string;
}

export type PayoutErrorCode =
  | 'invalid_request'
  | 'invalid_signature'
  | 'invalid_destination'
  | 'declined'
  | 'idempotency_conflict'
  | 'unsupported_currency';

export interface PayoutErrorBody {
  error: { code: PayoutErrorCode; message: string };
}

const errorCodes: Record<PayoutErrorCode, PspPermanentErrorCode> = {
  invalid_request: 'invalid_request',
  invalid_signature: 'misconfigured',
  invalid_destination: 'invalid_destination',
  declined: 'declined',
  idempotency_conflict: 'idempotency_conflict',
  unsupported_currency: 'unsupported_currency',
};

export interface PayoutConfig {
  baseUrl: string;
  tmnCode: string;
  hashSecret: string;
  timeoutMs: number;
}

export async function sendPayout(config: PayoutConfig, input: PayoutInput): Promise<PayoutResult> {
  if (input.currency !== 'VND') {
    throw new PspPermanentError('unsupported_currency', 'payouts are in VND only', 'vnpay');
  }
  if (input.amount <= 0n) {
    throw new PspPermanentError('invalid_amount', 'payout amount must be positive', 'vnpay');
  }
  const url = `${config.baseUrl.replace(/\/+$/, '')}${payoutPath}`;
  const requestBody: PayoutRequestBody = {
    tmnCode: config.tmnCode,
    amount: input.amount.toString(),
    currency: input.currency,
    destination: input.destination,
    description: input.description,
  };
  const body = JSON.stringify(requestBody);
  const answer = await postJson(url, body, {
    timeoutMs: config.timeoutMs,
    headers: {
      'idempotency-key': input.idempotencyKey,
      [payoutSignatureHeader]: payoutSignature(config.hashSecret, input.idempotencyKey, body),
    },
  });
  const invalid = (message: string) =>
    new PspPermanentError('invalid_response', `payout: ${message}`, 'vnpay');
  const object = parseJsonObject(answer.text);
  // Failures move no money and come unsigned when our own signature was refused.
  if (answer.status >= 400) {
    const error = (object as Partial<PayoutErrorBody> | undefined)?.error;
    const code = (error && errorCodes[error.code]) ?? 'invalid_request';
    throw new PspPermanentError(
      code,
      `payout ${input.idempotencyKey}: ${error?.message ?? `HTTP ${answer.status}`}`,
      'vnpay',
    );
  }
  const signature = answer.headers.get(payoutSignatureHeader) ?? '';
  const expected = payoutSignature(config.hashSecret, input.idempotencyKey, answer.text);
  if (!hexDigestEquals(expected, signature)) throw invalid('the answer is not signed by the PSP');
  const success = object as Partial<PayoutSuccessBody> | undefined;
  if (
    success?.status !== 'succeeded' ||
    typeof success.payoutId !== 'string' ||
    success.amount !== requestBody.amount ||
    success.currency !== requestBody.currency
  ) {
    throw invalid('the answer does not confirm this payout');
  }
  return { payoutId: success.payoutId, status: 'succeeded' };
}
