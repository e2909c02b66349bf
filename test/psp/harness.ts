import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createPayosPayoutProvider } from '../../psp/payos/payouts.js';
import type { PaymentProvider, PayoutProvider } from '../../psp/types.js';
import { createVnpayProvider } from '../../psp/vnpay/adapter.js';
import type { FaultSpec } from '../../sandbox/faults.js';
import { type SandboxPsp, type SandboxPspOptions, startSandboxPsp } from '../../sandbox/server.js';

export const tmnCode = 'TESTTMN1';
export const hashSecret = 'test-hash-secret-0123456789abcdef';
/** The sandbox's payOS payout channel: its own keys, unlike VNPay's. */
export const payosPayout = {
  clientId: 'test-payout-client',
  apiKey: 'test-payout-api-key-0123456789',
  checksumKey: 'test-payout-checksum-key-0123456789abcdef',
};

export interface ReceivedIpn {
  query: Record<string, string>;
  at: number;
}

type Reply = { status: number; body: string };

/**
 * A real HTTP server standing in for our API's IPN endpoint. By default it acknowledges the
 * first IPN per vnp_TxnRef with 00 and the rest with 02, as the callback route will; `script`
 * overrides the next replies, one per IPN.
 */
export class IpnReceiver {
  readonly received: ReceivedIpn[] = [];
  private readonly confirmed = new Set<string>();
  private script: Reply[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<IpnReceiver> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const receiver = new IpnReceiver(server, `http://127.0.0.1:${port}/v1/psp/vnpay/callback`);
    server.on('request', (request, response) => {
      const query = Object.fromEntries(new URL(request.url ?? '/', 'http://x').searchParams);
      const reply = receiver.reply(query);
      receiver.received.push({ query, at: Date.now() });
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(reply.body);
      for (const wake of receiver.waiters.splice(0)) wake();
    });
    return receiver;
  }

  /** The next IPNs get these replies, in order, before the default behaviour resumes. */
  replyWith(...replies: Array<{ RspCode: string } | { status: number }>): void {
    this.script.push(
      ...replies.map((reply) =>
        'status' in reply
          ? { status: reply.status, body: 'oops' }
          : { status: 200, body: JSON.stringify({ ...reply, Message: 'scripted' }) },
      ),
    );
  }

  private reply(query: Record<string, string>): Reply {
    const scripted = this.script.shift();
    if (scripted) return scripted;
    const txnRef = query.vnp_TxnRef ?? '';
    const first = !this.confirmed.has(txnRef);
    this.confirmed.add(txnRef);
    return { status: 200, body: JSON.stringify({ RspCode: first ? '00' : '02', Message: 'ok' }) };
  }

  forTxnRef(txnRef: string): ReceivedIpn[] {
    return this.received.filter((ipn) => ipn.query.vnp_TxnRef === txnRef);
  }

  /** Resolves with the txnRef's IPNs once there are at least `count`. */
  async waitFor(txnRef: string, count: number, timeoutMs = 30_000): Promise<ReceivedIpn[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.forTxnRef(txnRef).length < count) {
      if (Date.now() > deadline) {
        throw new Error(
          `expected ${count} IPNs for ${txnRef}, got ${this.forTxnRef(txnRef).length}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.forTxnRef(txnRef);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface PspFixture {
  sandbox: SandboxPsp;
  receiver: IpnReceiver;
  provider: PaymentProvider;
  /** The adapter with a short timeout, for timeout faults. */
  impatientProvider: PaymentProvider;
  /** The payOS payout adapter, aimed at the sandbox. */
  payouts: PayoutProvider;
  /** The same with a short timeout. */
  impatientPayouts: PayoutProvider;
  armFault(fault: FaultSpec): Promise<void>;
  stop(): Promise<void>;
}

/** A sandbox on a free port with fast IPN retries, its IPN receiver, and adapters for it. */
export async function startPspFixture(
  options: Partial<SandboxPspOptions> = {},
): Promise<PspFixture> {
  const receiver = await IpnReceiver.start();
  const sandbox = await startSandboxPsp({
    port: 0,
    tmnCode,
    hashSecret,
    payosPayout,
    ipnUrl: receiver.url,
    ipnRetry: { attempts: 5, initialDelayMs: 20, maxDelayMs: 100, timeoutMs: 1_000 },
    ...options,
  });
  const config = { baseUrl: sandbox.url, tmnCode, hashSecret };
  const payoutConfig = { baseUrl: sandbox.url, ...payosPayout };
  return {
    sandbox,
    receiver,
    provider: createVnpayProvider({ ...config, timeoutMs: 5_000 }),
    impatientProvider: createVnpayProvider({ ...config, timeoutMs: 300 }),
    payouts: createPayosPayoutProvider({ ...payoutConfig, timeoutMs: 5_000 }),
    impatientPayouts: createPayosPayoutProvider({ ...payoutConfig, timeoutMs: 300 }),
    async armFault(fault) {
      const response = await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fault),
      });
      if (response.status !== 201) throw new Error(`fault refused: ${await response.text()}`);
    },
    async stop() {
      await sandbox.stop();
      await receiver.stop();
    },
  };
}

let counter = 0;
/** A vnp_TxnRef no other test uses. */
export const newTxnRef = (label: string) => `${label}-${process.pid}-${Date.now()}-${++counter}`;

export interface PaidPayment {
  txnRef: string;
  createdAt: Date;
  transactionNo: string;
}

/** Creates a payment through the adapter and decides it the way scripts do. */
export async function createAndDecide(
  provider: PaymentProvider,
  {
    txnRef = newTxnRef('pay'),
    amount = 100_000n,
    outcome = 'success',
  }: { txnRef?: string; amount?: bigint; outcome?: 'success' | 'decline' } = {},
): Promise<PaidPayment & { status: string; responseCode: string; returnUrl: string }> {
  const { url, createdAt } = await provider.createPayment({
    idempotencyKey: `escrow:${txnRef}:payment`,
    txnRef,
    amount,
    currency: 'VND',
    description: 'Thanh toán đơn hàng',
    returnUrl: 'http://127.0.0.1:9/return',
    expiresAt: new Date(Date.now() + 15 * 60_000),
    clientIp: '127.0.0.1',
  });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ outcome }),
  });
  if (response.status !== 200)
    throw new Error(`decide: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as {
    status: string;
    responseCode: string;
    transactionNo: string;
    returnUrl: string;
  };
  return { txnRef, createdAt, ...body };
}

/**
 * The fixture of one test file: started before its tests, stopped after them, with no fault
 * left armed between tests. Filled in `beforeAll`: read it inside tests and hooks.
 */
export function usePspFixture(options: Partial<SandboxPspOptions> = {}): PspFixture {
  const handle = {} as PspFixture;
  beforeAll(async () => {
    Object.assign(handle, await startPspFixture(options));
  });
  afterAll(async () => {
    await handle.stop?.();
  });
  beforeEach(async () => {
    await fetch(`${handle.sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
  });
  return handle;
}
