/**
 * The contract between the engine and a payment-service provider. Activities call it; the
 * callback route uses verifyCallback + acknowledge. Amounts are integers in the currency's
 * minor unit (VND has none), always bigint.
 */
export interface PaymentProvider {
  /** Path segment of the callback route: `/v1/psp/:provider/callback`. */
  readonly name: string;
  readonly currencies: readonly string[];
  /** A redirect URL for the buyer. Pure for VNPay: the provider learns of it when it is opened. */
  createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult>;
  /** Synchronous, no I/O: safe to call before anything else touches the request. */
  verifyCallback(request: CallbackRequest): CallbackVerification;
  /** The provider's acknowledgement format for the callback's outcome. */
  acknowledge(outcome: CallbackOutcome): CallbackAcknowledgement;
  refund(input: RefundInput): Promise<RefundResult>;
  payout(input: PayoutInput): Promise<PayoutResult>;
  getTransaction(input: GetTransactionInput): Promise<TransactionStatus>;
}

export interface CreatePaymentInput {
  idempotencyKey: string;
  /** Our reference for the order, echoed back in every callback; unique per payment attempt. */
  txnRef: string;
  amount: bigint;
  currency: string;
  description: string;
  /** Where the buyer's browser lands afterwards. */
  returnUrl: string;
  expiresAt: Date;
  /** The buyer's IP address, as providers require it for fraud checks. */
  clientIp: string;
}

export interface CreatePaymentResult {
  url: string;
  expiresAt: Date;
  /** The provider's transaction date for refund and getTransaction (`transactionDate`). */
  createdAt: Date;
}

export interface CallbackRequest {
  method: string;
  query: Record<string, string>;
  body?: string;
}

export type CallbackVerification =
  | { ok: true; event: PaymentEvent }
  | { ok: false; reason: 'invalid_signature' | 'malformed'; detail: string };

export interface PaymentEvent {
  txnRef: string;
  providerTransactionId: string;
  amount: bigint;
  currency: string;
  status: 'succeeded' | 'failed';
  paidAt: Date;
  /** Every parameter as received, for the audit log. */
  raw: Record<string, string>;
}

export type CallbackOutcome =
  | 'confirmed'
  | 'already_confirmed'
  | 'order_not_found'
  | 'invalid_amount'
  | 'invalid_signature'
  | 'error';

export interface CallbackAcknowledgement {
  status: number;
  body: unknown;
  contentType: string;
}

export interface RefundInput {
  idempotencyKey: string;
  txnRef: string;
  providerTransactionId: string;
  /** CreatePaymentResult.createdAt of the payment being refunded. */
  transactionDate: Date;
  amount: bigint;
  currency: string;
  /** The whole payment in one refund; otherwise partial (cumulative refunds ≤ payment). */
  full: boolean;
  reason: string;
}

export interface RefundResult {
  refundId: string;
  status: 'succeeded';
}

export interface PayoutDestination {
  bankCode: string;
  accountNumber: string;
  accountName: string;
}

export interface PayoutInput {
  idempotencyKey: string;
  amount: bigint;
  currency: string;
  destination: PayoutDestination;
  description: string;
}

export interface PayoutResult {
  payoutId: string;
  status: 'succeeded';
}

export interface GetTransactionInput {
  txnRef: string;
  /** CreatePaymentResult.createdAt of the payment. */
  transactionDate: Date;
}

export interface TransactionStatus {
  status: 'succeeded' | 'failed' | 'pending' | 'not_found';
  providerTransactionId?: string;
  amount?: bigint;
}

export type PspPermanentErrorCode =
  | 'declined'
  | 'invalid_destination'
  | 'invalid_request'
  | 'invalid_amount'
  | 'unsupported_currency'
  | 'not_found'
  /** The same idempotency key or request id was reused for a different request. */
  | 'idempotency_conflict'
  /** The provider rejected our credentials or signature: a configuration problem. */
  | 'misconfigured'
  /** The provider's answer failed its signature or did not match the request. */
  | 'invalid_response';

export type PspTransientErrorCode =
  | 'timeout'
  | 'network'
  | 'server_error'
  | 'rate_limited'
  | 'provider_error';

/** Retrying cannot help: the workflow must decide (refund, flag for ops, ask for new details). */
export class PspPermanentError extends Error {
  constructor(
    readonly code: PspPermanentErrorCode,
    message: string,
    readonly provider?: string,
  ) {
    super(message);
    this.name = 'PspPermanentError';
  }
}

/** Safe to retry with the same idempotency key: the provider either did it once or not at all. */
export class PspTransientError extends Error {
  constructor(
    readonly code: PspTransientErrorCode,
    message: string,
    readonly provider?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PspTransientError';
  }
}
