import { type CreatePaymentInput, type CreatePaymentResult, PspPermanentError } from '../types.js';
import { assertOrderId, requestIdFor, toOrderInfo } from './fields.js';
import { type ApiConfig, callMomo, commonFailure } from './http.js';
import { MOMO_LIMITS, paths, resultCode, signedFields } from './protocol.js';
import { verifyMomoSignature } from './signing.js';

export interface PaymentConfig extends ApiConfig {
  /** Our callback route, `/v1/psp/momo/callback`, sent as ipnUrl with every order. */
  ipnUrl: string;
  requestType: 'captureWallet' | 'payWithMethod';
  /** false: the buyer's money is only held (9000) until capture or cancel (confirm.ts). */
  autoCapture: boolean;
}

const invalid = (message: string) => new PspPermanentError('invalid_request', message, 'momo');

/**
 * POST /v2/gateway/api/create: MoMo records the order and answers its payUrl, signed. The
 * requestId is derived from the idempotency key and the orderId is the txnRef, so a retry can
 * never make a second order: MoMo refuses it (40/41), and since only the first answer held the
 * payUrl, that refusal is an idempotency_conflict for the caller to settle with a new txnRef.
 */
export async function createPayment(
  config: PaymentConfig,
  input: CreatePaymentInput,
  now: Date = new Date(),
): Promise<CreatePaymentResult> {
  if (input.currency !== MOMO_LIMITS.currency) {
    throw new PspPermanentError(
      'unsupported_currency',
      `MoMo takes VND only, got ${input.currency}`,
      'momo',
    );
  }
  if (input.amount < MOMO_LIMITS.min || input.amount > MOMO_LIMITS.max) {
    throw new PspPermanentError(
      'invalid_amount',
      `MoMo takes ${MOMO_LIMITS.min}–${MOMO_LIMITS.max} VND per payment (MOMO_LIMITS), got ${input.amount}`,
      'momo',
    );
  }
  assertOrderId(input.txnRef);
  if (!URL.canParse(input.returnUrl)) throw invalid(`returnUrl is not a URL: ${input.returnUrl}`);
  if (input.expiresAt <= now) throw invalid('expiresAt must be in the future');

  const request = {
    requestType: config.requestType,
    ipnUrl: config.ipnUrl,
    redirectUrl: input.returnUrl,
    orderId: input.txnRef,
    amount: Number(input.amount),
    orderInfo: toOrderInfo(input.description, `Payment ${input.txnRef}`),
    requestId: requestIdFor(input.idempotencyKey),
    extraData: '',
    autoCapture: config.autoCapture,
  };
  const answer = await callMomo(config, paths.create, signedFields.createRequest, request);
  const failure = commonFailure('create', answer);
  if (failure) throw failure;
  const code = answer.resultCode;
  if (code === resultCode.duplicateRequestId || code === resultCode.duplicateOrderId) {
    throw new PspPermanentError(
      'idempotency_conflict',
      `MoMo already holds order ${input.txnRef} (${code}); its payUrl was in the first answer only`,
      'momo',
    );
  }
  if (code === resultCode.invalidAmountRequest || code === resultCode.invalidAmount) {
    throw new PspPermanentError('invalid_amount', `create: MoMo answered ${code}`, 'momo');
  }
  if (code !== resultCode.success) {
    throw new PspPermanentError(
      'declined',
      `create: MoMo answered ${code} ${String(answer.message ?? '')}`.trim(),
      'momo',
    );
  }
  const signed = { ...answer, accessKey: config.accessKey } as Record<string, string | number>;
  if (
    !verifyMomoSignature(signedFields.createResponse, signed, config.secretKey, answer.signature)
  ) {
    throw new PspPermanentError(
      'invalid_response',
      "create: the answer's signature does not verify",
      'momo',
    );
  }
  if (typeof answer.payUrl !== 'string' || !URL.canParse(answer.payUrl)) {
    throw new PspPermanentError('invalid_response', 'create: no payUrl', 'momo');
  }
  if (answer.amount !== request.amount) {
    throw new PspPermanentError(
      'invalid_response',
      'create: the answer has another amount',
      'momo',
    );
  }
  // MoMo documents no per-order window for this request: the deadline stays ours, and a
  // payment made after it is found by the query like any late one.
  return { url: answer.payUrl, createdAt: now, expiresAt: input.expiresAt };
}
