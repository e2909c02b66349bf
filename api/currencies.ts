import { RAILS, type Rail } from '../domain/rails.js';
import { isKnownCurrency } from '../ledger/currencies.js';
import { RAIL_REGISTRY } from '../psp/registry.js';
import type { PaymentProvider } from '../psp/types.js';
import { validationFailed } from './errors.js';

export interface Currencies {
  /** 422 unless the ledger knows the currency and a payment provider takes it. */
  assertUsable(code: string, field: string): void;
  /**
   * The rail a new escrow is paid through: the one asked for, else the first enabled. 422 when
   * it is not enabled, or the amount or currency is outside what that rail takes. A platform
   * with rails of its own (`platformRails`, in its order) may use those only; one without, the
   * deployment's.
   */
  railFor(
    requested: Rail | undefined,
    amount: number,
    currency: string,
    platformRails?: readonly Rail[],
  ): Rail;
}

const invalid = (field: string, message: string) => validationFailed([{ field, message }]);

/** The ledger's currencies (a test keeps this list equal to its table) and the providers' ones. */
export function createCurrencies(providers: PaymentProvider[]): Currencies {
  const enabled = RAILS.filter((rail) => providers.some((p) => p.name === rail));
  // The app's providers are in preference order (PAYMENT_RAILS), so the first is the default.
  const preferred = providers
    .map((p) => p.name)
    .find((name): name is Rail => enabled.includes(name as Rail));
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
    railFor(requested, amount, currency, platformRails = []) {
      const own = platformRails.length > 0;
      const usable = own ? platformRails : enabled;
      const where = own ? 'for this platform' : 'on this deployment';
      const rail = requested ?? (own ? platformRails[0] : preferred);
      if (rail === undefined) {
        throw invalid('body.paymentMethod', `no payment rail is enabled ${where}`);
      }
      if (!usable.includes(rail)) {
        throw invalid(
          'body.paymentMethod',
          `${rail} is not enabled ${where} (enabled: ${usable.join(', ') || 'none'})`,
        );
      }
      const { limits } = RAIL_REGISTRY[rail];
      if (currency !== limits.currency) {
        throw invalid('body.currency', `${rail} takes ${limits.currency} only, not ${currency}`);
      }
      const value = BigInt(amount);
      if (value < limits.min || value > limits.max) {
        throw invalid(
          'body.amount',
          `${rail} takes ${limits.min} to ${limits.max} ${limits.currency} per payment, not ${amount} (its ${value < limits.min ? 'minimum' : 'maximum'} is ${value < limits.min ? limits.min : limits.max})`,
        );
      }
      return rail;
    },
  };
}
