import type { Rail } from '../domain/rails.js';
import type { Sql } from '../infra/db.js';
import { createSecretBox } from '../infra/secret-box.js';
import { createPlatformProviders } from '../psp/platform-providers.js';
import type { BuildProvider } from '../psp/registry.js';
import type { PaymentProvider } from '../psp/types.js';

/**
 * The adapter for an escrow's rail: its platform's own credentials, else the deployment's;
 * undefined when neither has the rail. The platform is the one given (the workflow knows it),
 * else looked up by escrow id (or checkout id, for a checkout's one payment), so older workflow
 * inputs work as they did.
 */
export type ProviderForEscrow = (
  escrowId: string,
  rail: Rail,
  platformId?: string,
) => Promise<PaymentProvider | undefined>;

export function providerForEscrow(deps: {
  sql: Sql;
  /** CREDENTIALS_KEY, which opens platforms' rail credentials. */
  credentialsKey: Buffer;
  buildProvider: BuildProvider;
  /** The deployment's adapters (PAYMENT_RAILS). */
  providers: readonly PaymentProvider[];
}): ProviderForEscrow {
  const platformProviders = createPlatformProviders({
    sql: deps.sql,
    box: createSecretBox(deps.credentialsKey),
    deployment: deps.providers,
    build: deps.buildProvider,
  });
  return async (escrowId, rail, platformId) => {
    if (platformId !== undefined) return platformProviders.providerFor(platformId, rail);
    // A checkout's payment link and status query name the checkout: its platform's credentials.
    const [row] = await deps.sql<{ platformId: string }[]>`
      select platform_id as "platformId" from escrows where id = ${escrowId}
      union all
      select platform_id as "platformId" from checkouts where id = ${escrowId}
      limit 1`;
    // The workflow records the escrow (or checkout) before its first PSP call: a missing row
    // is retried.
    if (!row) throw new Error(`escrow ${escrowId} is not recorded yet`);
    return platformProviders.providerFor(row.platformId, rail);
  };
}
