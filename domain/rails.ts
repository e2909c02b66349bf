/**
 * The collection rails an escrow can be paid through. Here, not in psp/, because the terms and
 * the view name them and domain/ imports nothing else.
 */
export const RAILS = ['vnpay', 'momo', 'zalopay', 'payos'] as const;
export type Rail = (typeof RAILS)[number];

/** Histories and rows from before rails were chosen per escrow were all paid through VNPay. */
export const DEFAULT_RAIL: Rail = 'vnpay';

export const railOf = (terms: { rail?: Rail | undefined }): Rail => terms.rail ?? DEFAULT_RAIL;

/**
 * Rails whose callbacks name the payment by an order reference of their own (payOS's
 * orderCode): it is kept on the escrow's row before the payment link is made, so that link
 * waits for the escrow's first record. Every other rail's link needs nothing from Postgres.
 */
export const ORDER_REF_RAILS: ReadonlySet<Rail> = new Set<Rail>(['payos']);
