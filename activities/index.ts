import type { Sql } from '../infra/db.js';
import type { PaymentProvider } from '../psp/types.js';
import { createPspActivities } from './psp.js';
import { createTransitionActivities } from './transitions.js';

export interface ActivityDeps {
  sql: Sql;
  provider: PaymentProvider;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities({ sql, provider }: ActivityDeps) {
  return {
    ...createTransitionActivities(sql),
    ...createPspActivities(provider),
  };
}

export type Activities = ReturnType<typeof createActivities>;
