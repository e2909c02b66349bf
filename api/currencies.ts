import type { Sql } from '../infra/db.js';
import { listCurrencies } from '../ledger/currencies.js';
import type { PaymentProvider } from '../psp/types.js';
import { ProblemError } from './problem.js';

export interface Currencies {
  /** 422 unless the ledger knows the currency and a payment provider takes it. */
  assertUsable(code: string, field: string): Promise<void>;
}

/** The ledger's currencies table (read once, then cached) and the providers' currencies. */
export function createCurrencies(sql: Sql, providers: PaymentProvider[]): Currencies {
  let known: Promise<Set<string>> | undefined;
  const load = () => {
    known ??= listCurrencies(sql).then(
      (rows) => new Set(rows.map((r) => r.code)),
      (error: unknown) => {
        known = undefined;
        throw error;
      },
    );
    return known;
  };
  const invalid = (field: string, message: string) =>
    new ProblemError(422, 'validation-failed', 'Invalid request', `1 field is invalid: ${field}`, {
      errors: [{ field, message }],
    });
  return {
    async assertUsable(code, field) {
      if (!(await load()).has(code)) {
        throw invalid(
          field,
          `unknown currency ${code}: not an ISO 4217 currency this ledger keeps`,
        );
      }
      if (!providers.some((p) => p.currencies.includes(code))) {
        const offered = [...new Set(providers.flatMap((p) => p.currencies))].join(', ');
        throw invalid(
          field,
          `${code} is not supported by the payment provider (${providers
            .map((p) => p.name)
            .join(', ')} takes ${offered || 'nothing'})`,
        );
      }
    },
  };
}
