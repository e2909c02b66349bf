import type { Sql } from '../infra/db.js';
import type { PaymentProvider, PayoutProvider } from '../psp/types.js';
import { createPspActivities } from './psp.js';
import { createTransitionActivities } from './transitions.js';

export interface ActivityDeps {
  sql: Sql;
  provider: PaymentProvider;
  payouts: PayoutProvider;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities({ sql, provider, payouts }: ActivityDeps) {
  return {
    ...createTransitionActivities(sql),
    ...createPspActivities(provider, payouts),
  };
}

export type Activities = ReturnType<typeof createActivities>;
