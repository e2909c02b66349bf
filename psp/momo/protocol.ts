/**
 * MoMo v2 gateway (developers.momo.vn/v3/docs/payment/api): paths, the field orders of its
 * HMAC-SHA256 signatures, its result codes and the amount limits we enforce.
 */

export const paths = {
  create: '/v2/gateway/api/create',
  query: '/v2/gateway/api/query',
  refund: '/v2/gateway/api/refund',
  confirm: '/v2/gateway/api/confirm',
  /** Where the sandbox serves its payment page; MoMo's own payUrl lives on the same host. */
  pay: '/v2/gateway/pay',
} as const;

/** One-time wallet payments: 1,000–50,000,000 VND each (payment-api "onetime"). */
export const MOMO_LIMITS = { currency: 'VND', min: 1_000n, max: 50_000_000n } as const;

/** Refunds: at least 1,000 VND (10,000 for the domestic ATM method, which we do not use). */
export const MOMO_REFUND_LIMITS = { currency: 'VND', min: 1_000n, max: 50_000_000n } as const;

/**
 * The signed fields of each message, in the a–z order MoMo documents; the raw string is
 * `k1=v1&k2=v2…` over exactly these keys, values unencoded.
 */
export const signedFields = {
  createRequest: [
    'accessKey',
    'amount',
    'extraData',
    'ipnUrl',
    'orderId',
    'orderInfo',
    'partnerCode',
    'redirectUrl',
    'requestId',
    'requestType',
  ],
  createResponse: [
    'accessKey',
    'amount',
    'orderId',
    'partnerCode',
    'payUrl',
    'requestId',
    'responseTime',
    'resultCode',
  ],
  /** The IPN body and the redirect query carry the same result, signed the same way. */
  result: [
    'accessKey',
    'amount',
    'extraData',
    'message',
    'orderId',
    'orderInfo',
    'orderType',
    'partnerCode',
    'payType',
    'requestId',
    'responseTime',
    'resultCode',
    'transId',
  ],
  query: ['accessKey', 'orderId', 'partnerCode', 'requestId'],
  refund: ['accessKey', 'amount', 'description', 'orderId', 'partnerCode', 'requestId', 'transId'],
  confirm: [
    'accessKey',
    'amount',
    'description',
    'orderId',
    'partnerCode',
    'requestId',
    'requestType',
  ],
} as const satisfies Record<string, readonly string[]>;

/** resultCode values we act on (MoMo's "Result Codes" table). */
export const resultCode = {
  success: 0,
  maintenance: 10,
  accessDenied: 11,
  unsupportedVersion: 12,
  authFailed: 13,
  badFormat: 20,
  invalidAmountRequest: 21,
  invalidAmount: 22,
  duplicateRequestId: 40,
  duplicateOrderId: 41,
  orderNotFound: 42,
  conflict: 43,
  unknownError: 99,
  /** The order exists and waits for the buyer. */
  awaitingUser: 1000,
  insufficientFunds: 1001,
  cancelled: 1003,
  expired: 1005,
  userDeclined: 1006,
  refundFailedRetryLater: 1080,
  refundRejected: 1081,
  notRefundable: 1088,
  processing: 7000,
  processingByProvider: 7002,
  /** Authorized: with autoCapture=false the money is held until confirm (capture|cancel). */
  authorized: 9000,
} as const;

/** Codes after which the transaction is still moving. */
export const pendingCodes: ReadonlySet<number> = new Set([
  resultCode.awaitingUser,
  resultCode.processing,
  resultCode.processingByProvider,
]);

/** orderId: MoMo's documented pattern; 50 characters, the shortest cap its pages give. */
export const orderIdPattern = /^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$/;
export const orderIdMaxLength = 50;
export const orderInfoMaxLength = 255;
