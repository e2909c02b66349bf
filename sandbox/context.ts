import type { Logger } from '../infra/logger.js';
import type { Background } from './background.js';
import type { Faults } from './faults.js';
import type { IpnRetryPolicy } from './ipn.js';
import type { PayosCredentials } from './payos/envelope.js';
import type { SandboxStore } from './store.js';

/** What every route of the sandbox shares. */
export interface SandboxContext {
  tmnCode: string;
  hashSecret: string;
  /** payOS's payout channel, apart from any collection channel. */
  payosPayout: PayosCredentials;
  /** payOS's payment (collection) channel, when configured, and where its webhooks go. */
  payosPayment?: PayosCredentials & { webhookUrl: string };
  ipnUrl: string;
  ipnPolicy: IpnRetryPolicy;
  store: SandboxStore;
  faults: Faults;
  background: Background;
  log: Logger;
  now: () => Date;
}
