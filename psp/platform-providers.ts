import type { Rail } from '../domain/rails.js';
import type { Sql } from '../infra/db.js';
import type { SecretBox } from '../infra/secret-box.js';
import { openPlatformRail, platformRailVersion } from '../store/platform-rails.js';
import type { BuildProvider, RailCredentials } from './registry.js';
import type { PaymentProvider } from './types.js';

export interface PlatformProviders {
  /**
   * The adapter for a platform's rail: with its own credentials when it configured the rail,
   * else the deployment's (undefined when the deployment does not enable the rail either).
   * The same object while the platform's row is unchanged.
   */
  providerFor(platformId: string, rail: Rail): Promise<PaymentProvider | undefined>;
}

/** Enough for every platform and rail a deployment serves at once; beyond it the oldest goes. */
const CACHE_SIZE = 1_000;

export function createPlatformProviders(deps: {
  sql: Sql;
  box: SecretBox;
  /** The deployment's adapters (PAYMENT_RAILS), for platforms without their own credentials. */
  deployment: readonly PaymentProvider[];
  build: BuildProvider;
}): PlatformProviders {
  // Keyed by platform and rail, valid for one updated_at: a PUT makes the next call rebuild.
  const cache = new Map<string, { version: number; provider: PaymentProvider }>();
  return {
    async providerFor(platformId, rail) {
      const version = await platformRailVersion(deps.sql, platformId, rail);
      if (version === undefined) return deps.deployment.find((p) => p.name === rail);
      const key = `${platformId}\u0000${rail}`;
      const cached = cache.get(key);
      if (cached?.version === version.getTime()) return cached.provider;
      const opened = await openPlatformRail(deps.sql, deps.box, platformId, rail);
      if (!opened) return deps.deployment.find((p) => p.name === rail);
      const provider = deps.build(rail, opened.credentials as RailCredentials[typeof rail]);
      cache.delete(key);
      cache.set(key, { version: opened.updatedAt.getTime(), provider });
      if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return provider;
    },
  };
}
