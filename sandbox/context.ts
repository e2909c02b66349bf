import type { Logger } from '../infra/logger.js';
import type { Background } from './background.js';
import type { Faults } from './faults.js';
import type { IpnRetryPolicy } from './ipn.js';
import type { PayosCredentials } from './payos/envelope.js';
import type { SandboxStore } from './store.js';
import type { ZalopayApp } from './zalopay/app.js';

/** What every route of the sandbox shares. */
export interface SandboxContext {
  tmnCode: string;
  hashSecret: string;
  /** payOS's payout channel, apart from any collection channel. */
  payosPayout: PayosCredentials;
  ipnUrl: string;
  /** The ZaloPay app the sandbox serves, when it speaks ZaloPay. */
  zalopay?: ZalopayApp;
  ipnPolicy: IpnRetryPolicy;
  store: SandboxStore;
  faults: Faults;
  background: Background;
  log: Logger;
  now: () => Date;
}
