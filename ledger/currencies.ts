import type { Sql } from '../infra/db.js';

/**
 * ISO 4217 minor-unit exponents of the currencies seeded by migration 0010 (the database is the
 * authority; a test keeps the two lists equal). 12345 VND is 12,345 dong; 12345 USD is $123.45.
 */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  VND: 0,
  KHR: 2,
  LAK: 2,
  MMK: 2,
  THB: 2,
  MYR: 2,
  SGD: 2,
  IDR: 2,
  PHP: 2,
  BND: 2,
  CNY: 2,
  HKD: 2,
  MOP: 2,
  TWD: 2,
  JPY: 0,
  KRW: 0,
  INR: 2,
  AUD: 2,
  NZD: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  CHF: 2,
  CAD: 2,
  AED: 2,
  SAR: 2,
  KWD: 3,
  BHD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
  CLP: 0,
  ISK: 0,
  UGX: 0,
  PYG: 0,
  XAF: 0,
  XOF: 0,
});

export function isKnownCurrency(code: string): boolean {
  return Object.hasOwn(CURRENCY_EXPONENTS, code);
}

/** The minor-unit exponent of a currency, or undefined when the ledger does not know it. */
export function currencyExponent(code: string): number | undefined {
  return isKnownCurrency(code) ? CURRENCY_EXPONENTS[code] : undefined;
}

/** The currencies table as the database has it. */
export async function listCurrencies(
  sql: Sql,
): Promise<Array<{ code: string; exponent: number; name: string }>> {
  return sql<Array<{ code: string; exponent: number; name: string }>>`
    select code, exponent, name from currencies order by code`;
}

/** Renders minor units as a decimal string without going through a float: 12345n USD → "123.45". */
export function formatMinorUnits(amount: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  if (exponent === undefined) throw new RangeError(`unknown currency ${currency}`);
  if (exponent === 0) return amount.toString();
  const sign = amount < 0n ? '-' : '';
  const digits = (amount < 0n ? -amount : amount).toString().padStart(exponent + 1, '0');
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
