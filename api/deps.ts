import type { Client } from '@temporalio/client';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { SecretBox } from '../infra/secret-box.js';
import type { PlatformProviders } from '../psp/platform-providers.js';
import type { PaymentProvider } from '../psp/types.js';
import type { Currencies } from './currencies.js';
import type { Idempotent } from './idempotency.js';
import type { ApiSettings } from './settings.js';

/** What route factories get: the app's dependencies, resolved settings and shared helpers. */
export interface RouteDeps {
  sql: Sql;
  temporal: Client;
  logger: Logger;
  providers: PaymentProvider[];
  settings: ApiSettings;
  idempotent: Idempotent;
  currencies: Currencies;
  /** Seals and opens platforms' rail credentials. */
  secretBox: SecretBox;
  /** Each platform's adapter per rail: its own credentials, else the deployment's. */
  platformProviders: PlatformProviders;
}

/** Runs a Temporal call under the API's deadline (past it: 503, safe to retry). */
export const withinDeadline = <T>(deps: RouteDeps, call: () => Promise<T>): Promise<T> =>
  deps.temporal.withDeadline(Date.now() + deps.settings.temporalTimeoutMs, call);
