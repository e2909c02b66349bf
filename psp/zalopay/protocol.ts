/**
 * ZaloPay v2 (docs.zalopay.vn/docs/specs/*): paths, codes and limits, shared by the adapter and
 * the sandbox PSP.
 */

export const paths = {
  create: '/v2/create',
  query: '/v2/query',
  refund: '/v2/refund',
  queryRefund: '/v2/query_refund',
} as const;

/** return_code of every API answer (developer-tools/knowledge-base/status-codes). */
export const returnCode = { success: 1, fail: 2, processing: 3 } as const;

/**
 * sub_return_code values. -68, -401, -402, -429, -500, -999 and -54 are documented for create
 * and query. ZaloPay's order-query page we could read does not list the not-found code: -101 is
 * the one its disbursement query documents for "order not found", and the sandbox uses it for
 * unknown orders and refunds alike.
 */
export const subReturnCode = {
  duplicateAppTransId: -68,
  illegalData: -401,
  illegalAppOrSignature: -402,
  rateLimited: -429,
  systemError: -500,
  maintenance: -999,
  expired: -54,
  notFound: -101,
  /** The sandbox's code for a payment or refund the bank refused (none is published for it). */
  refused: -3,
} as const;

/**
 * The merchant's answer to a callback (specs/callback-api): 1 done, 2 already processed (the
 * zp_trans_id was notified before); anything else makes ZaloPay call again, 3 more times at most.
 */
export const callbackAck = { confirmed: 1, alreadyProcessed: 2 } as const;

/** Order lifetime bounds of expire_duration_seconds (specs/order-create). */
export const orderLifetimeSeconds = { min: 300, max: 2_592_000 } as const;

/**
 * Amounts ZaloPay takes per payment, VND only. ZaloPay's create spec publishes no bounds; these
 * are the gateway's per-transaction limits as its resellers list them (Paymentwall's ZaloPay page:
 * 1,000 to 100,000,000 VND). The API's 422 uses the same data.
 */
export const ZALOPAY_LIMITS = { currency: 'VND', min: 1_000n, max: 100_000_000n } as const;

/** Field lengths and characters (specs/order-create, order-refund). */
export const fieldLimits = { appTransId: 40, description: 256, appUser: 50 } as const;
