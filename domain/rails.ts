/**
 * The collection rails an escrow can be paid through. Here, not in psp/, because the terms and
 * the view name them and domain/ imports nothing else.
 */
export const RAILS = ['vnpay', 'momo', 'zalopay', 'payos'] as const;
export type Rail = (typeof RAILS)[number];

/** Histories and rows from before rails were chosen per escrow were all paid through VNPay. */
export const DEFAULT_RAIL: Rail = 'vnpay';

export const railOf = (terms: { rail?: Rail | undefined }): Rail => terms.rail ?? DEFAULT_RAIL;
