// Money and time as the page shows them: amounts in the locale's currency format from minor
// units, instants in Vietnam's time zone, deadlines as what is left.
import { currencyExponent } from '../../ledger/currencies.js';
import type { Lang } from './i18n.js';

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';
const LOCALE: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' };

/** `1500000` VND → `1.500.000 ₫` (vi) or `₫1,500,000` (en). */
export function formatMoney(minorUnits: number, currency: string, lang: Lang): string {
  const exponent = currencyExponent(currency) ?? 0;
  return new Intl.NumberFormat(LOCALE[lang], {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(minorUnits / 10 ** exponent);
}

/** An instant, in Asia/Ho_Chi_Minh. */
export function formatDate(at: string | Date, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALE[lang], {
    timeZone: TIME_ZONE,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(typeof at === 'string' ? new Date(at) : at);
}

const UNITS: Record<Lang, { d: string; h: string; m: string; s: string }> = {
  vi: { d: 'ngày', h: 'giờ', m: 'phút', s: 'giây' },
  en: { d: 'd', h: 'h', m: 'min', s: 's' },
};

/** What is left until `at`: `2 ngày 3 giờ` / `2 d 3 h`; the two largest units; `undefined` when past. */
export function formatRemaining(at: string, now: number, lang: Lang): string | undefined {
  let seconds = Math.floor((Date.parse(at) - now) / 1000);
  if (seconds <= 0) return undefined;
  const parts: string[] = [];
  const u = UNITS[lang];
  for (const [size, unit] of [
    [86_400, u.d],
    [3_600, u.h],
    [60, u.m],
    [1, u.s],
  ] as const) {
    const n = Math.floor(seconds / size);
    if (n > 0 || parts.length > 0) parts.push(`${n} ${unit}`);
    seconds -= n * size;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
