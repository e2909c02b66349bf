import { LedgerError } from '../ledger/errors.js';

/**
 * Why a write can never succeed as it is, or `undefined` when a retry may help. SQLSTATE class
 * 22 (data exception: a NUL byte, an invalid escape, a value out of range) and class 23
 * (integrity constraint violation) fail the same way every time; so do the ledger's own refusals.
 */
export function permanentWriteError(error: unknown): string | undefined {
  if (error instanceof LedgerError) return `${error.code}: ${error.message}`;
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : '';
  if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) {
    return `${code}: ${(error as Error).message}`;
  }
  return undefined;
}
