import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createLogger, type Logger } from '../infra/logger.js';
import { Background } from './background.js';
import type { SandboxContext } from './context.js';
import { Faults } from './faults.js';
import { inspectRoutes } from './inspect-routes.js';
import { defaultIpnRetryPolicy, type IpnRetryPolicy } from './ipn.js';
import type { MomoCredentials } from './momo/credentials.js';
import { momoRoutes } from './momo/routes.js';
import { resumeNotifications } from './notify.js';
import { paymentRoutes } from './payment-routes.js';
import type { PayosCredentials } from './payos/envelope.js';
import { payosPaymentRoutes } from './payos/payment-routes.js';
import { payosPayoutRoutes } from './payos/payout-routes.js';
import { resumePayosWebhooks } from './payos/webhooks.js';
import { type SandboxRecords, SandboxStore } from './store.js';
import { transactionRoutes } from './transaction-routes.js';
import type { ZalopayApp } from './zalopay/app.js';
import { zalopayRoutes } from './zalopay/routes.js';

export interface SandboxPspOptions {
  /** 0 picks a free port; `url` tells which. */
  port: number;
  host?: string;
  tmnCode: string;
  hashSecret: string;
  /** Credentials of payOS's payout channel, which the sandbox's payout API checks. */
  payosPayout: PayosCredentials;
  /** The MoMo merchant of the sandbox's MoMo v2 gateway (IPNs go to each order's ipnUrl). */
  momo?: MomoCredentials;
  /** ZaloPay's app credentials and registered callback URL (`/v1/psp/zalopay/callback`). */
  zalopay?: ZalopayApp;
  /**
   * payOS's payment (collection) channel, its own keys, and where its webhooks go: our API's
   * `/v1/psp/payos/callback`. Without it the payOS payment API answers 401.
   */
  payosPayment?: PayosCredentials & { webhookUrl: string };
  /** Where IPNs go: our API's `/v1/psp/vnpay/callback`. */
  ipnUrl: string;
  /** Keeps the records across restarts; in memory only when omitted. */
  dataFile?: string;
  log?: Logger;
  ipnRetry?: Partial<IpnRetryPolicy>;
  /** The sandbox's clock for payment windows; tests move it past a vnp_ExpireDate. */
  now?: () => Date;
}

export interface SandboxPsp {
  url: string;
  records: SandboxRecords;
  /** Stops IPN retries and held requests, closes every connection, writes the data file. */
  stop(): Promise<void>;
}

/**
 * The sandbox PSP: a local HTTP server speaking VNPay 2.1.0, MoMo v2, ZaloPay v2 and payOS's
 * payment-link API (collection) and payOS's payout API, with faults on request. A rail whose
 * credentials are not given answers as to a stranger.
 */
export async function startSandboxPsp(options: SandboxPspOptions): Promise<SandboxPsp> {
  const log = options.log ?? createLogger({ level: 'silent', pretty: false });
  const store = await SandboxStore.open(options.dataFile, (error) =>
    log.error({ err: error, dataFile: options.dataFile }, 'could not write the data file'),
  );
  const context: SandboxContext = {
    tmnCode: options.tmnCode,
    hashSecret: options.hashSecret,
    payosPayout: options.payosPayout,
    ...(options.momo ? { momo: options.momo } : {}),
    ...(options.payosPayment ? { payosPayment: options.payosPayment } : {}),
    ipnUrl: options.ipnUrl,
    ...(options.zalopay ? { zalopay: options.zalopay } : {}),
    ipnPolicy: { ...defaultIpnRetryPolicy, ...options.ipnRetry },
    store,
    faults: new Faults(),
    background: new Background(),
    log,
    now: options.now ?? (() => new Date()),
  };
  const app = new Hono()
    .route('/', paymentRoutes(context))
    .route('/', transactionRoutes(context))
    .route('/', payosPayoutRoutes(context))
    .route('/', momoRoutes(context))
    .route('/', zalopayRoutes(context))
    .route('/', payosPaymentRoutes(context))
    .route('/', inspectRoutes(context));
  app.onError((error, c) => {
    log.error({ err: error, path: c.req.path }, 'sandbox request failed');
    return c.json({ error: 'internal error' }, 500);
  });

  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, port: options.port, hostname: host }, () =>
      resolve(listening),
    );
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  resumeNotifications(context);
  resumePayosWebhooks(context);
  log.info({ url, ipnUrl: options.ipnUrl, dataFile: options.dataFile }, 'sandbox PSP listening');

  return {
    url,
    records: store.records,
    stop: async () => {
      await context.background.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await store.flush();
    },
  };
}
