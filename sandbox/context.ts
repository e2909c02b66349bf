import type { Logger } from '../infra/logger.js';
import type { Background } from './background.js';
import type { Faults } from './faults.js';
import type { IpnRetryPolicy } from './ipn.js';
import type { MomoCredentials } from './momo/credentials.js';
import type { PayosCredentials } from './payos/envelope.js';
import type { SandboxStore } from './store.js';
import type { ZalopayApp } from './zalopay/app.js';

/** What every route of the sandbox shares. */
export interface SandboxContext {
  tmnCode: string;
  hashSecret: string;
  /** payOS's payout channel, apart from any collection channel. */
  payosPayout: PayosCredentials;
  /** The MoMo merchant the sandbox's MoMo gateway serves; without it that gateway refuses all. */
  momo?: MomoCredentials;
  /** payOS's payment (collection) channel, when configured, and where its webhooks go. */
  payosPayment?: PayosCredentials & { webhookUrl: string };
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
