import { PspPermanentError, PspTransientError } from '../types.js';
import { assertOrderId, requestIdFor, toOrderInfo } from './fields.js';
import { type ApiConfig, callMomo, commonFailure } from './http.js';
import { paths, resultCode, signedFields } from './protocol.js';
import { queryOrder } from './query.js';

/**
 * Authorise-then-capture: a payment created with autoCapture=false ends in 9000 (authorized),
 * the buyer's money held in their wallet; capture takes it, cancel gives it back. Both go to
 * POST /v2/gateway/api/confirm and are idempotent by a requestId from the idempotency key.
 */
export interface ConfirmInput {
  idempotencyKey: string;
  /** The payment's orderId. */
  txnRef: string;
  /** The amount authorized: MoMo confirms the whole hold or refuses (22). */
  amount: bigint;
  description: string;
}

export interface ConfirmResult {
  status: 'succeeded';
  /** MoMo's transId of the payment. */
  transId: string;
}

type RequestType = 'capture' | 'cancel';

/** What the payment's resultCode is once a capture (0) or a cancel (1003) went through. */
const doneCode: Record<RequestType, number> = {
  capture: resultCode.success,
  cancel: resultCode.cancelled,
};

async function confirm(
  config: ApiConfig,
  requestType: RequestType,
  input: ConfirmInput,
): Promise<ConfirmResult> {
  assertOrderId(input.txnRef);
  const answer = await callMomo(config, paths.confirm, signedFields.confirm, {
    orderId: input.txnRef,
    requestId: requestIdFor(input.idempotencyKey),
    requestType,
    amount: Number(input.amount),
    description: toOrderInfo(input.description, `${requestType} ${input.txnRef}`),
  });
  const failure = commonFailure(requestType, answer);
  if (failure) throw failure;
  const code = answer.resultCode;
  if (code === resultCode.success) {
    return { status: 'succeeded', transId: String(answer.transId ?? '') };
  }
  if (code === resultCode.duplicateRequestId) return alreadySent(config, requestType, input);
  const message =
    `${requestType} of ${input.txnRef}: MoMo answered ${code} ${String(answer.message ?? '')}`.trim();
  switch (code) {
    case resultCode.invalidAmountRequest:
    case resultCode.invalidAmount:
      throw new PspPermanentError('invalid_amount', message, 'momo');
    case resultCode.orderNotFound:
      throw new PspPermanentError('not_found', message, 'momo');
    default:
      // 43 and the rest: the payment is not (or no longer) authorized.
      throw new PspPermanentError('declined', message, 'momo');
  }
}

/** A repeated requestId: ours went through if the payment now shows its outcome. */
async function alreadySent(
  config: ApiConfig,
  requestType: RequestType,
  input: ConfirmInput,
): Promise<ConfirmResult> {
  const order = await queryOrder(config, input.txnRef);
  if (order?.resultCode === doneCode[requestType]) {
    return { status: 'succeeded', transId: String(order.transId ?? '') };
  }
  throw new PspTransientError(
    'provider_error',
    `${requestType} of ${input.txnRef}: MoMo holds the request, the payment shows ${order?.resultCode ?? 'nothing'}`,
    'momo',
  );
}

export const capture = (config: ApiConfig, input: ConfirmInput) =>
  confirm(config, 'capture', input);
export const cancel = (config: ApiConfig, input: ConfirmInput) => confirm(config, 'cancel', input);
