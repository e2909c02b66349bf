import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createApp } from '../../api/app.js';
import { type ApiSettings, defaultApiSettings } from '../../api/settings.js';
import type { EscrowTerms } from '../../domain/escrow.js';
import { DEFAULT_WINDOWS } from '../../domain/lifecycle.js';
import type { Sql } from '../../infra/db.js';
import { createLogger } from '../../infra/logger.js';
import { workerTracing } from '../../infra/temporal-tracing.js';
import type { Tracing } from '../../infra/tracing.js';
import { createMomoProvider } from '../../psp/momo/adapter.js';
import { createPayosProvider } from '../../psp/payos/collection.js';
import { createPayosPayoutProvider } from '../../psp/payos/payouts.js';
import type { BuildProvider, RailCredentials } from '../../psp/registry.js';
import { createSandboxListing } from '../../psp/sandbox-listing.js';
import type { PaymentProvider } from '../../psp/types.js';
import { createVnpayProvider } from '../../psp/vnpay/adapter.js';
import { createZalopayProvider } from '../../psp/zalopay/adapter.js';
import { startSandboxPsp } from '../../sandbox/server.js';
import { startCheckout, startEscrow } from '../../workflows/client.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { connectTestTemporal, type TestTemporal, testDataConverter } from './temporal.js';

const TMN_CODE = 'TESTMRCH';
const HASH_SECRET = 'test-hash-secret-0123456789abcdef';
const PAYOS_PAYOUT = {
  clientId: 'test-payout-client',
  apiKey: 'test-payout-api-key-0123456789',
  checksumKey: 'test-payout-checksum-key-0123456789abcdef',
};
const MOMO = {
  partnerCode: 'TESTMOMO',
  accessKey: 'test-momo-access-key',
  secretKey: 'test-momo-secret-key-0123456789abcdef',
};
const ZALOPAY = {
  appId: '2554',
  key1: 'test-zalopay-key1-0123456789abcdef',
  key2: 'test-zalopay-key2-0123456789abcdef',
};
const PAYOS_PAYMENT = {
  clientId: 'test-payment-client',
  apiKey: 'test-payment-api-key-0123456789',
  checksumKey: 'test-payment-checksum-key-0123456789abcdef',
};

export interface EscrowStackOptions {
  client: Client;
  nativeConnection: NativeConnection;
  taskQueue: string;
  sql: Sql;
  /** Run a worker in this process (default); false when the test runs worker processes itself. */
  inProcessWorker?: boolean;
  /** API settings over the development defaults (the task queue is always this stack's). */
  apiSettings?: Partial<ApiSettings>;
  /** The MoMo merchant the sandbox knows, when not the deployment's (a platform's own). */
  sandboxMomo?: typeof MOMO;
  /** How often a checkout's refund lane checks its holder still runs (default 5 minutes). */
  refundLaneHolderCheckMs?: number;
  /** Tracing started in this process: the API gets request spans, the worker the interceptors. */
  tracing?: Tracing;
}

/**
 * The real pieces an escrow needs, on loopback: the sandbox PSP (VNPay and payOS payouts over
 * HTTP), the API app (for the PSP's callbacks) and a worker with the real activities and adapters
 * on the test Postgres.
 */
export async function startEscrowStack({
  client,
  nativeConnection,
  taskQueue,
  sql,
  inProcessWorker = true,
  apiSettings: settingsOverrides = {},
  sandboxMomo = MOMO,
  refundLaneHolderCheckMs,
  tracing,
}: EscrowStackOptions) {
  const logger = createLogger({ level: 'silent', pretty: false });
  // Listening first, on a port the OS picks (a port picked beforehand may be taken meanwhile):
  // the sandbox needs the API's address and the app needs the sandbox's.
  const handler: { fetch: (request: Request) => Response | Promise<Response> } = {
    fetch: () => new Response(null, { status: 503 }),
  };
  const server = serve({
    fetch: (request) => handler.fetch(request),
    hostname: '127.0.0.1',
    port: 0,
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const apiPort = (server.address() as AddressInfo).port;
  const callbackUrl = (rail: string) => `http://127.0.0.1:${apiPort}/v1/psp/${rail}/callback`;
  const sandbox = await startSandboxPsp({
    port: 0,
    tmnCode: TMN_CODE,
    hashSecret: HASH_SECRET,
    payosPayout: PAYOS_PAYOUT,
    momo: sandboxMomo,
    zalopay: { ...ZALOPAY, callbackUrl: callbackUrl('zalopay') },
    payosPayment: { ...PAYOS_PAYMENT, webhookUrl: callbackUrl('payos') },
    ipnUrl: callbackUrl('vnpay'),
    ipnRetry: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  const provider = createVnpayProvider({
    baseUrl: sandbox.url,
    tmnCode: TMN_CODE,
    hashSecret: HASH_SECRET,
    timeoutMs: 5_000,
  });
  // Every rail, VNPay first (the default): as a deployment with PAYMENT_RAILS unset.
  const providers: PaymentProvider[] = [
    provider,
    createMomoProvider({
      baseUrl: sandbox.url,
      ...MOMO,
      ipnUrl: callbackUrl('momo'),
      timeoutMs: 5_000,
    }),
    createZalopayProvider({
      baseUrl: sandbox.url,
      ...ZALOPAY,
      callbackUrl: callbackUrl('zalopay'),
      timeoutMs: 5_000,
    }),
    createPayosProvider({ baseUrl: sandbox.url, ...PAYOS_PAYMENT, timeoutMs: 5_000 }),
  ];
  // A platform's own credentials, on this sandbox: as providerBuilder(config) does from config.
  const buildProvider: BuildProvider = (rail, credentials) => {
    const on = { baseUrl: sandbox.url, timeoutMs: 5_000 };
    switch (rail) {
      case 'vnpay':
        return createVnpayProvider({ ...on, ...(credentials as RailCredentials['vnpay']) });
      case 'momo':
        return createMomoProvider({
          ...on,
          ...(credentials as RailCredentials['momo']),
          ipnUrl: callbackUrl('momo'),
        });
      case 'zalopay':
        return createZalopayProvider({
          ...on,
          ...(credentials as RailCredentials['zalopay']),
          callbackUrl: callbackUrl('zalopay'),
        });
      case 'payos':
        return createPayosProvider({ ...on, ...(credentials as RailCredentials['payos']) });
    }
  };
  const payouts = createPayosPayoutProvider({
    baseUrl: sandbox.url,
    ...PAYOS_PAYOUT,
    timeoutMs: 5_000,
  });
  const listing = createSandboxListing(sandbox.url);
  const apiSettings: ApiSettings = { ...defaultApiSettings(), ...settingsOverrides, taskQueue };
  const app = createApp({
    sql,
    temporal: client,
    logger,
    providers,
    buildProvider,
    settings: apiSettings,
    tracing: tracing !== undefined,
  });
  handler.fetch = app.fetch;
  const worker = inProcessWorker
    ? await Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowBundle: {
          codePath: inject(tracing ? 'tracedWorkflowBundlePath' : 'workflowBundlePath'),
        },
        ...workerTracing(tracing),
        dataConverter: testDataConverter,
        activities: createActivities({
          sql,
          provider,
          providers,
          buildProvider,
          payouts,
          listing,
          temporal: client,
          taskQueue,
          ...(refundLaneHolderCheckMs === undefined ? {} : { refundLaneHolderCheckMs }),
        }),
      })
    : undefined;
  const running = worker?.run();
  const createdIds: string[] = [];
  const createdCheckoutIds: string[] = [];

  return {
    /** Signs VNPay parameters as the sandbox does, for hand-made callbacks. */
    vnpayCredentials: { tmnCode: TMN_CODE, hashSecret: HASH_SECRET },
    /** Each collection rail's credentials as the sandbox knows them, for hand-made callbacks. */
    railCredentials: { momo: MOMO, zalopay: ZALOPAY, payos: PAYOS_PAYMENT },
    /** The payOS payout channel the sandbox checks, for hand-made payout calls. */
    payosPayoutCredentials: PAYOS_PAYOUT,
    /** The PSP settings a worker process needs to reach this sandbox. */
    pspEnv: {
      VNPAY_URL: sandbox.url,
      VNPAY_TMN_CODE: TMN_CODE,
      VNPAY_HASH_SECRET: HASH_SECRET,
      PAYOUT_PROVIDER: 'payos',
      PAYOS_PAYOUT_URL: sandbox.url,
      PAYOS_PAYOUT_CLIENT_ID: PAYOS_PAYOUT.clientId,
      PAYOS_PAYOUT_API_KEY: PAYOS_PAYOUT.apiKey,
      PAYOS_PAYOUT_CHECKSUM_KEY: PAYOS_PAYOUT.checksumKey,
      MOMO_URL: sandbox.url,
      MOMO_PARTNER_CODE: MOMO.partnerCode,
      MOMO_ACCESS_KEY: MOMO.accessKey,
      MOMO_SECRET_KEY: MOMO.secretKey,
      ZALOPAY_URL: sandbox.url,
      ZALOPAY_APP_ID: ZALOPAY.appId,
      ZALOPAY_KEY1: ZALOPAY.key1,
      ZALOPAY_KEY2: ZALOPAY.key2,
      PAYOS_URL: sandbox.url,
      PAYOS_CLIENT_ID: PAYOS_PAYMENT.clientId,
      PAYOS_API_KEY: PAYOS_PAYMENT.apiKey,
      PAYOS_CHECKSUM_KEY: PAYOS_PAYMENT.checksumKey,
    },
    /** Every escrow this stack created, oldest first. */
    createdIds,
    /** The API's settings (ops key, token secret …) as this stack runs it. */
    apiSettings,
    sandbox,
    provider,
    providers,
    /** Adapters for a platform's own credentials, on this sandbox. */
    buildProvider,
    payouts,
    /** The sandbox's own records as reconciliation lists them. */
    listing,
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Starts an escrow as the API does, and returns its view with the payment link. */
    create: (overrides: Partial<EscrowTerms> = {}) => {
      const terms = testTerms(overrides);
      createdIds.push(terms.escrowId);
      return startEscrow(client, taskQueue, {
        terms,
        returnUrl: 'http://127.0.0.1/return',
        clientIp: '127.0.0.1',
      });
    },
    /** Every checkout this stack created, oldest first (their escrows are in createdIds). */
    createdCheckoutIds,
    /**
     * Starts a multi-seller checkout as the API does: one escrow per share (terms over
     * testTerms, each with `checkout`), one payment link for the total.
     */
    createCheckout: (
      shares: Partial<EscrowTerms>[],
      paymentWindow = DEFAULT_WINDOWS.paymentWindow,
    ) => {
      const checkoutId = `chk_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      const reference = `cart-${randomUUID().slice(0, 8)}`;
      const escrows = shares.map((share, index) =>
        testTerms({
          reference,
          sellerId: `seller_${index + 1}`,
          rail: 'vnpay',
          ...share,
          checkout: { checkoutId },
        }),
      );
      createdCheckoutIds.push(checkoutId);
      createdIds.push(...escrows.map((e) => e.escrowId));
      return startCheckout(client, taskQueue, {
        checkoutId,
        platformId: escrows[0]?.platformId ?? 'plt_test',
        reference,
        buyerId: escrows[0]?.buyerId ?? 'buyer_1',
        currency: 'VND',
        rail: escrows[0]?.rail ?? 'vnpay',
        description: 'Cart',
        paymentWindow,
        latePaymentGrace: escrows[0]?.latePaymentGrace ?? 86_400_000,
        escrows,
        returnUrl: 'http://127.0.0.1/return',
        clientIp: '127.0.0.1',
      });
    },
    /** Pays (or declines) at the sandbox as a script would; the IPN then reaches the API. */
    pay: async (paymentUrl: string, outcome: 'success' | 'decline' = 'success') => {
      const response = await fetch(paymentUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ outcome }),
      });
      if (!response.ok)
        throw new Error(`sandbox payment failed: ${response.status} ${await response.text()}`);
      return response.json() as Promise<{ transactionNo: string }>;
    },
    stop: async () => {
      worker?.shutdown();
      await running;
      server.close();
      await sandbox.stop();
    },
  };
}

export type EscrowStack = Awaited<ReturnType<typeof startEscrowStack>>;

export function testTerms(overrides: Partial<EscrowTerms> = {}): EscrowTerms {
  return {
    escrowId: `esc_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
    platformId: 'plt_test',
    reference: `order-${randomUUID().slice(0, 8)}`,
    buyerId: 'buyer_1',
    sellerId: 'seller_1',
    amount: 1_500_000,
    currency: 'VND',
    fee: 30_000,
    description: 'Vintage camera',
    payoutDestination: {
      bankCode: 'VCB',
      accountNumber: '0123456789',
      accountName: 'NGUYEN VAN A',
    },
    windows: { ...DEFAULT_WINDOWS },
    ...overrides,
  };
}

export interface EscrowStackContext {
  db: TestDatabase;
  temporal: TestTemporal;
  stack: EscrowStack;
}

/**
 * Registers this file's hooks: a fresh database, the shared dev server and an escrow stack,
 * all stopped after the file. Read the fields inside tests (they are set in beforeAll).
 */
export function useEscrowStack(
  options: { inProcessWorker?: boolean; refundLaneHolderCheckMs?: number } = {},
): EscrowStackContext {
  const context = {} as EscrowStackContext;
  beforeAll(async () => {
    [context.db, context.temporal] = await Promise.all([
      createTestDatabase(),
      connectTestTemporal(),
    ]);
    context.stack = await startEscrowStack({
      ...context.temporal,
      sql: context.db.sql,
      ...options,
    });
  });
  afterAll(async () => {
    await context.stack?.stop();
    await context.temporal?.close();
    await context.db?.drop();
  });
  return context;
}
