import { isKnownCurrency } from '../ledger/currencies.js';
import type { PaymentProvider } from '../psp/types.js';
import { validationFailed } from './errors.js';

export interface Currencies {
  /** 422 unless the ledger knows the currency and a payment provider takes it. */
  assertUsable(code: string, field: string): void;
}

/** The ledger's currencies (a test keeps this list equal to its table) and the providers' ones. */
export function createCurrencies(providers: PaymentProvider[]): Currencies {
  const invalid = (field: string, message: string) => validationFailed([{ field, message }]);
  return {
    assertUsable(code, field) {
      if (!isKnownCurrency(code)) {
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
