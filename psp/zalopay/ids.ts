import { createHash } from 'node:crypto';

/**
 * The ids ZaloPay keys our requests by, derived (never random) so that any later call can find
 * them again from what the engine keeps: the txnRef and the payment's createdAt, or a refund's
 * idempotency key.
 */

const gmt7OffsetMs = 7 * 60 * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;

/** yymmdd of the instant in Vietnam's time zone (GMT+7, no daylight saving): ZaloPay's prefix. */
export function yymmdd(date: Date): string {
  const local = new Date(date.getTime() + gmt7OffsetMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return pad(local.getUTCFullYear() % 100) + pad(local.getUTCMonth() + 1) + pad(local.getUTCDate());
}

const digest = (text: string, length: number) =>
  createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);

/**
 * app_trans_id (40 characters max, yymmdd of its creation first): yymmdd_<txnRef digest>_<app_time
 * in base 36>. The app_time is the payment's createdAt, which the engine keeps and hands back as
 * `transactionDate`, so query and refund rebuild the id from it and the date is always the first
 * one. ZaloPay refuses a repeated app_trans_id (-68) without giving the order_url again, so a
 * create whose answer was lost cannot be replayed: the retry is a new order under a new app_time,
 * and the lost one expires unpaid, its order_url having reached nobody.
 */
export function appTransIdFor(txnRef: string, createdAt: Date): string {
  return `${yymmdd(createdAt)}_${digest(txnRef, 20)}_${createdAt.getTime().toString(36)}`;
}

/** m_refund_id: yymmdd_appid_<idempotency key digest>, yymmdd being the day it is sent. */
export function mRefundIdFor(appId: string, idempotencyKey: string, day: Date): string {
  return `${yymmdd(day)}_${appId}_${digest(idempotencyKey, 24)}`;
}

/** How many days back a refund is looked for under its key: today and the 7 before. */
export const refundLookbackDays = 7;

/**
 * The days a refund under this key may have been sent on, newest first: from `now` back to the
 * payment's day, at most refundLookbackDays before today.
 */
export function refundDays(paymentDate: Date, now: Date): Date[] {
  const first = yymmdd(paymentDate);
  const days: Date[] = [];
  for (let back = 0; back <= refundLookbackDays; back += 1) {
    const day = new Date(now.getTime() - back * dayMs);
    days.push(day);
    if (yymmdd(day) <= first) break;
  }
  return days;
}
