/**
 * The contracts between the engine and the payment rails: a `PaymentProvider` collects the
 * buyer's money (and refunds it), a `PayoutProvider` disburses to sellers. Activities call them;
 * the callback route uses verifyCallback + acknowledge. Amounts are integers in the currency's
 * minor unit (VND has none), always bigint.
 *
 * Nothing is final until the rail says so: a request may answer `pending`, and a request whose
 * answer was lost is followed by a status query under the same idempotency key, never by a
 * blind resend.
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
  /** What the rail knows of the refund sent with `input.idempotencyKey`. */
  getRefund(input: RefundInput): Promise<RefundStatus>;
  getTransaction(input: GetTransactionInput): Promise<TransactionStatus>;
  /**
   * For a rail whose callbacks name its own order reference instead of our txnRef (payOS's
   * orderCode): that reference, which the engine keeps so a callback finds its escrow.
   */
  orderRefOf?(txnRef: string): string;
}

/** Disbursement to a seller's bank account. */
export interface PayoutProvider {
  readonly name: string;
  readonly currencies: readonly string[];
  /** Idempotent by `input.idempotencyKey`: the same key never pays twice. */
  payout(input: PayoutInput): Promise<PayoutResult>;
  /** What the rail knows of the payout sent with this idempotency key. */
  getPayout(input: { idempotencyKey: string }): Promise<PayoutStatus>;
  /** Every payout the rail holds that was created in [from, to): reconciliation's rail side. */
  listPayouts(period: Period): Promise<PayoutRecord[]>;
}

export interface Period {
  from: Date;
  to: Date;
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

/** A refund the rail accepted: done, or still being processed (poll `getRefund`). */
export type RefundResult =
  | { status: 'succeeded'; refundId: string }
  | { status: 'pending'; refundId?: string };

/** Failed refunds come back as `failed` here; from `refund` they are a PspPermanentError. */
export type RefundStatus =
  | RefundResult
  | { status: 'failed'; refundId?: string; reason: string }
  | { status: 'not_found' };

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

/** A payout the rail accepted: paid, or still being processed (poll `getPayout`). */
export interface PayoutResult {
  payoutId: string;
  status: 'succeeded' | 'pending';
}

/** Failed payouts come back as `failed` here; from `payout` they are a PspPermanentError. */
export type PayoutStatus =
  | PayoutResult
  | { status: 'failed'; payoutId: string; code: PspPermanentErrorCode; reason: string }
  | { status: 'not_found' };

/** One payout as the rail keeps it, for reconciliation. */
export interface PayoutRecord {
  idempotencyKey: string;
  payoutId: string;
  amount: bigint;
  currency: string;
  status: 'succeeded' | 'pending' | 'failed';
  createdAt: Date;
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

/**
 * What a collection rail lists of its own records: reconciliation's rail → ledger direction.
 * VNPay publishes no listing; the sandbox PSP does (psp/sandbox-listing.ts).
 */
export interface CollectionListing {
  /** Payments decided (or, if not yet, opened) in [from, to). */
  payments(period: Period): Promise<ListedPayment[]>;
  refunds(period: Period): Promise<ListedRefund[]>;
  /** The rail's reference of the refund requested with this idempotency key. */
  refundReference(idempotencyKey: string): string;
}

export interface ListedPayment {
  txnRef: string;
  /** Absent while the buyer has not paid. */
  providerTransactionId?: string;
  amount: bigint;
  currency: string;
  status: 'succeeded' | 'pending' | 'failed';
  at: Date;
}

export interface ListedRefund {
  txnRef: string;
  /** What the rail keeps the refund by: see `CollectionListing.refundReference`. */
  reference: string;
  refundId: string;
  amount: bigint;
  currency: string;
  status: 'succeeded' | 'pending' | 'failed';
  at: Date;
}
