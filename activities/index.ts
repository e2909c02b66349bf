import type { Client } from '@temporalio/client';
import { configSchema } from '../infra/config.js';
import type { Sql } from '../infra/db.js';
import { type BuildProvider, providerBuilder } from '../psp/registry.js';
import type { CollectionListing, PaymentProvider, PayoutProvider } from '../psp/types.js';
import { isCheckoutId, keepCheckoutOrderRef } from '../store/checkouts.js';
import { keepOrderRef } from '../store/escrow-records.js';
import { createCheckoutActivities } from './checkouts.js';
import { providerForEscrow } from './escrow-providers.js';
import { createPspActivities } from './psp.js';
import { createReconciliationActivities } from './reconciliation.js';
import { createRefundLaneActivities } from './refund-lane.js';
import { createTransitionActivities } from './transitions.js';

export interface ActivityDeps {
  sql: Sql;
  /** The rail reconciliation asks (VNPay's: the one whose records it knows how to list). */
  provider: PaymentProvider;
  /** Every enabled collection rail, picked per escrow by its terms' rail; default `[provider]`. */
  providers?: PaymentProvider[];
  payouts: PayoutProvider;
  /** Opens platforms' rail credentials (CREDENTIALS_KEY); default: the development key. */
  credentialsKey?: Buffer;
  /** Adapters for platforms' own credentials; default: the development configuration's. */
  buildProvider?: BuildProvider;
  /** The collection rail's own records, when it lists them (the sandbox does). */
  listing?: CollectionListing | undefined;
  /** Reconciliation flags escrows and delivers lost payments through it, on this task queue. */
  temporal: Client;
  taskQueue: string;
  /** How often a checkout's refund lane checks its holder still runs; default 5 minutes. */
  refundLaneHolderCheckMs?: number;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  const { sql, provider, providers = [provider], payouts } = deps;
  const development = () => configSchema.parse({});
  const forEscrow = providerForEscrow({
    sql,
    credentialsKey: deps.credentialsKey ?? development().CREDENTIALS_KEY,
    buildProvider: deps.buildProvider ?? providerBuilder(development()),
    providers,
  });
  return {
    ...createTransitionActivities(sql),
    ...createCheckoutActivities(sql),
    // A checkout's one payment link is made under the checkout's id: its row keeps the ref.
    ...createPspActivities(forEscrow, payouts, (id, orderRef) =>
      isCheckoutId(id) ? keepCheckoutOrderRef(sql, id, orderRef) : keepOrderRef(sql, id, orderRef),
    ),
    ...createReconciliationActivities({ ...deps, providerForEscrow: forEscrow }),
    ...createRefundLaneActivities(deps.temporal, deps.taskQueue, deps.refundLaneHolderCheckMs),
  };
}

export type Activities = ReturnType<typeof createActivities>;
