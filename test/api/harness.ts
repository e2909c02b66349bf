import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  type EscrowStack,
  type EscrowStackOptions,
  startEscrowStack,
} from '../support/escrow-stack.js';
import { eventually } from '../support/eventually.js';
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test helper: bodies are checked field by field
  body: any;
}

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  /** Sent as is (no JSON encoding), e.g. malformed JSON. */
  raw?: string;
  headers?: Record<string, string>;
  idempotencyKey?: string;
}

export const escrowBody = (overrides: Record<string, unknown> = {}) => ({
  reference: `order-${randomUUID().slice(0, 8)}`,
  buyerId: 'buyer_1',
  sellerId: 'seller_1',
  amount: 1_500_000,
  currency: 'VND',
  description: 'Vintage camera',
  fee: 30_000,
  payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'NGUYEN VAN A' },
  ...overrides,
});

/** A seller of a checkout: its items' amounts sum to its escrow's. */
export const checkoutSeller = (sellerId: string, amounts: number[], fee = 0) => ({
  sellerId,
  payoutDestination: { bankCode: 'VCB', accountNumber: '0123456789', accountName: 'NGUYEN VAN A' },
  fee,
  items: amounts.map((amount, index) => ({
    id: `${sellerId}-sku-${index + 1}`,
    description: `Item ${index + 1}`,
    amount,
  })),
});

/** A two-seller cart: 1,200,000 (two items) + 800,000. */
export const checkoutBody = (overrides: Record<string, unknown> = {}) => ({
  reference: `cart-${randomUUID().slice(0, 8)}`,
  buyerId: 'buyer_1',
  currency: 'VND',
  description: 'Cart',
  sellers: [
    checkoutSeller('seller_a', [1_000_000, 200_000], 20_000),
    checkoutSeller('seller_b', [800_000]),
  ],
  ...overrides,
});

/** The real stack (Postgres, Temporal, worker, sandbox PSP, the API on a port) and HTTP helpers. */
export async function startApiHarness(
  options: Pick<EscrowStackOptions, 'sandboxMomo' | 'apiSettings'> = {},
) {
  const [db, temporal]: [TestDatabase, TestTemporal] = await Promise.all([
    createTestDatabase(),
    connectTestTemporal(),
  ]);
  const stack: EscrowStack = await startEscrowStack({ ...temporal, sql: db.sql, ...options });
  const opsKey = stack.apiSettings.opsApiKey;

  const call = async (method: string, path: string, options: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (
      body !== undefined &&
      !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')
    ) {
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${stack.apiUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: response.status, headers: response.headers, text, body: parsed };
  };

  const createPlatform = async (name = 'Test shop') => {
    const reply = await call('POST', '/v1/platforms', { token: opsKey, body: { name } });
    expect(reply.status, reply.text).toBe(201);
    return reply.body as { id: string; apiKey: string };
  };

  const createEscrow = async (apiKey: string, overrides: Record<string, unknown> = {}) => {
    const reply = await call('POST', '/v1/escrows', { token: apiKey, body: escrowBody(overrides) });
    expect(reply.status, reply.text).toBe(201);
    return reply.body as { id: string; status: string; payment: { url: string } };
  };

  const createCheckout = async (apiKey: string, overrides: Record<string, unknown> = {}) => {
    const reply = await call('POST', '/v1/checkouts', {
      token: apiKey,
      body: checkoutBody(overrides),
    });
    expect(reply.status, reply.text).toBe(201);
    return reply.body as {
      id: string;
      payment: { url: string; expiresAt: string };
      escrows: { id: string; sellerId: string; amount: number }[];
    };
  };

  const partyToken = async (apiKey: string, escrowId: string, role: 'buyer' | 'seller') => {
    const reply = await call('POST', `/v1/escrows/${escrowId}/party-tokens`, {
      token: apiKey,
      body: { role, ttlSeconds: 600 },
    });
    expect(reply.status, reply.text).toBe(201);
    return reply.body.token as string;
  };

  const statusOf = async (escrowId: string) => {
    const [row] = await db.sql<
      { status: string }[]
    >`select status from escrows where id = ${escrowId}`;
    return row?.status;
  };

  /** Pays at the sandbox and waits until the read model says funded. */
  const fund = async (escrow: { id: string; payment: { url: string } }) => {
    await stack.pay(escrow.payment.url);
    await eventually(async () => expect(await statusOf(escrow.id)).toBe('funded'));
  };

  /** What must not change when a request is refused: the escrow's row and events. */
  const snapshot = async (escrowId: string) => {
    const [row] = await db.sql<{ last_seq: number; status: string }[]>`
      select last_seq, status from escrows where id = ${escrowId}`;
    const [events] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from escrow_events where escrow_id = ${escrowId}`;
    return { lastSeq: row?.last_seq, status: row?.status, events: events?.n };
  };

  return {
    db,
    temporal,
    stack,
    opsKey,
    call,
    createPlatform,
    createEscrow,
    createCheckout,
    partyToken,
    statusOf,
    fund,
    snapshot,
    stop: async () => {
      await stack?.stop();
      await temporal?.close();
      await db?.drop();
    },
  };
}

export type ApiHarness = Awaited<ReturnType<typeof startApiHarness>>;

/** Registers this file's hooks: the harness, and one platform to act as. Read inside tests. */
export function useApiHarness(options: Parameters<typeof startApiHarness>[0] = {}): {
  h: ApiHarness;
  platform: { id: string; apiKey: string };
} {
  const context = {} as { h: ApiHarness; platform: { id: string; apiKey: string } };
  beforeAll(async () => {
    context.h = await startApiHarness(options);
    context.platform = await context.h.createPlatform('Shop');
  });
  afterAll(async () => {
    await context.h?.stop();
  });
  return context;
}

export function expectProblem(reply: Reply, status: number, slug?: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body).toMatchObject({
    status,
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(reply.body.type).toMatch(/^https:\/\/escrow\.dev\/problems\//);
  if (slug) expect(reply.body.type).toBe(`https://escrow.dev/problems/${slug}`);
}
