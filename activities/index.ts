import type { Client } from '@temporalio/client';
import type { Rail } from '../domain/rails.js';
import { configSchema } from '../infra/config.js';
import type { Sql } from '../infra/db.js';
import { createSecretBox } from '../infra/secret-box.js';
import { createPlatformProviders } from '../psp/platform-providers.js';
import { type BuildProvider, providerBuilder } from '../psp/registry.js';
import type { CollectionListing, PaymentProvider, PayoutProvider } from '../psp/types.js';
import { keepOrderRef } from '../store/escrow-records.js';
import { createPspActivities } from './psp.js';
import { createReconciliationActivities } from './reconciliation.js';
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
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  const { sql, provider, providers = [provider], payouts } = deps;
  const development = () => configSchema.parse({});
  const platformProviders = createPlatformProviders({
    sql,
    box: createSecretBox(deps.credentialsKey ?? development().CREDENTIALS_KEY),
    deployment: providers,
    build: deps.buildProvider ?? providerBuilder(development()),
  });
  const providerForEscrow = async (escrowId: string, rail: Rail) => {
    const [row] = await sql<{ platformId: string }[]>`
      select platform_id as "platformId" from escrows where id = ${escrowId}`;
    // The workflow records the escrow before its first PSP call: a missing row is retried.
    if (!row) throw new Error(`escrow ${escrowId} is not recorded yet`);
    return platformProviders.providerFor(row.platformId, rail);
  };
  return {
    ...createTransitionActivities(sql),
    ...createPspActivities(providerForEscrow, payouts, (escrowId, orderRef) =>
      keepOrderRef(sql, escrowId, orderRef),
    ),
    ...createReconciliationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
