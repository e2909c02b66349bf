import { randomBytes } from 'node:crypto';
// @temporalio/proto is CommonJS: Node's ESM loader only sees its default export.
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createLogger } from '../../infra/logger.js';
import { escrowWorkflowId, startEscrow } from '../../workflows/client.js';
import { testTerms, useEscrowStack } from '../support/escrow-stack.js';

// Issue 14: what the escrow engine hands Temporal is encrypted. History read without the key
// (the server, its database, a UI without the codec) shows no bank account, account name or
// buyer IP; the codec route, with the ops key, shows them.

const ctx = useEscrowStack();
const ACCOUNT_NUMBER = '9704229212345678';
const ACCOUNT_NAME = 'PHAM THI HOA';
const BUYER_IP = '203.0.113.77';
const SECRETS = [ACCOUNT_NUMBER, ACCOUNT_NAME, BUYER_IP];

interface WirePayload {
  metadata: Record<string, string>;
  data: string;
}
const { History } = proto.temporal.api.history.v1;
type Payload = proto.temporal.api.common.v1.IPayload;

/**
 * Every payload in a history, except indexed search attributes (plain by design: ids, amount,
 * status) and what the SDK's core writes itself, without the codec: patch markers (`patched()`
 * ids) and a local activity marker's bookkeeping (its type, attempt and times; its result is a
 * payload like any other).
 */
function payloadsOf(node: unknown, found: Payload[] = []): Payload[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return found;
  if (Array.isArray(node)) {
    for (const item of node) payloadsOf(item, found);
    return found;
  }
  const record = node as Record<string, unknown>;
  if (record.markerName === 'core_patch') return found;
  if (record.markerName === 'core_local_activity') {
    return payloadsOf((record.details as Record<string, unknown> | undefined)?.result, found);
  }
  if (record.data instanceof Uint8Array && typeof record.metadata === 'object') {
    found.push(record as Payload);
    return found;
  }
  for (const [key, value] of Object.entries(record)) {
    // Headers carry the trace context (`traceparent`), which the SDK sends uncoded; the whole
    // history is still searched for personal data below.
    if (key !== 'searchAttributes' && key !== 'header') payloadsOf(value, found);
  }
  return found;
}

const toWire = (payload: Payload): WirePayload => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});
const plainText = (wire: WirePayload[]): string =>
  wire.map((p) => Buffer.from(p.data, 'base64').toString('utf8')).join('\n');

async function encryptedEscrowHistory() {
  const terms = testTerms({
    payoutDestination: {
      bankCode: 'VCB',
      accountNumber: ACCOUNT_NUMBER,
      accountName: ACCOUNT_NAME,
    },
  });
  await startEscrow(ctx.temporal.client, ctx.temporal.taskQueue, {
    terms,
    returnUrl: 'http://127.0.0.1/return',
    clientIp: BUYER_IP,
  });
  const handle = ctx.temporal.client.workflow.getHandle(escrowWorkflowId(terms.escrowId));
  // Past the payment link: its result (the pay URL carries the IP) is in, as a local activity's
  // marker on new escrows (`local-payment-link`), as an activity's completion on older ones.
  await expect
    .poll(async () =>
      (await handle.fetchHistory()).events?.some(
        (e) =>
          e.activityTaskCompletedEventAttributes ||
          e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
      ),
    )
    .toBe(true);
  return handle.fetchHistory();
}

describe('payload encryption', () => {
  let wire: WirePayload[] = [];

  it('history read without the key holds no bank account, account name or buyer IP', async () => {
    const history = await encryptedEscrowHistory();
    const payloads = payloadsOf(history);
    expect(payloads.length).toBeGreaterThan(3);
    wire = payloads.map(toWire);
    for (const payload of wire) {
      expect(Buffer.from(payload.metadata.encoding ?? '', 'base64').toString()).toBe(
        'binary/encrypted',
      );
      expect(Buffer.from(payload.metadata['encryption-key-id'] ?? '', 'base64').toString()).toBe(
        'dev',
      );
    }
    const raw = plainText(wire);
    // And nowhere else in the history either (search attributes, memo, headers, failures).
    const whole = Buffer.from(History.encode(History.fromObject(history)).finish()).toString(
      'latin1',
    );
    for (const secret of SECRETS) {
      expect(raw).not.toContain(secret);
      expect(whole).not.toContain(secret);
    }
  });

  it('the codec route decodes them with the ops key', async () => {
    const response = await fetch(`${ctx.stack.apiUrl}/codec/decode`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ctx.stack.apiSettings.opsApiKey}`,
        'content-type': 'application/json',
        'x-namespace': 'default',
      },
      body: JSON.stringify({ payloads: wire }),
    });
    expect(response.status).toBe(200);
    const decoded = (await response.json()) as { payloads: WirePayload[] };
    expect(decoded.payloads).toHaveLength(wire.length);
    const text = plainText(decoded.payloads);
    for (const secret of SECRETS) expect(text).toContain(secret);
    expect(Buffer.from(decoded.payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe(
      'json/plain',
    );
    // encode is the inverse, and decode passes unencrypted payloads through.
    const reencoded = await fetch(`${ctx.stack.apiUrl}/codec/encode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.stack.apiSettings.opsApiKey}` },
      body: JSON.stringify({ payloads: decoded.payloads.slice(0, 2) }),
    }).then((r) => r.json() as Promise<{ payloads: WirePayload[] }>);
    expect(plainText(reencoded.payloads)).not.toContain(ACCOUNT_NUMBER);
    const mixed = await fetch(`${ctx.stack.apiUrl}/codec/decode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.stack.apiSettings.opsApiKey}` },
      body: JSON.stringify({ payloads: [...reencoded.payloads, ...decoded.payloads.slice(0, 1)] }),
    }).then((r) => r.json() as Promise<{ payloads: WirePayload[] }>);
    expect(mixed.payloads).toEqual([...decoded.payloads.slice(0, 2), decoded.payloads[0]]);
  });

  it('after a key rotation (a new key first) the old payloads still decode', async () => {
    const newKey = { id: 'k2', key: randomBytes(32) };
    const [devKey] = ctx.stack.apiSettings.encryptionKeys;
    if (!devKey) throw new Error('no dev key');
    const app = createApp({
      sql: ctx.db.sql,
      temporal: ctx.temporal.client,
      logger: createLogger({ level: 'silent', pretty: false }),
      providers: ctx.stack.providers,
      settings: { ...ctx.stack.apiSettings, encryptionKeys: [newKey, devKey] },
    });
    const ops = { authorization: `Bearer ${ctx.stack.apiSettings.opsApiKey}` };
    const decoded = await app.request('/codec/decode', {
      method: 'POST',
      headers: ops,
      body: JSON.stringify({ payloads: wire }),
    });
    expect(decoded.status).toBe(200);
    const text = plainText(((await decoded.json()) as { payloads: WirePayload[] }).payloads);
    for (const secret of SECRETS) expect(text).toContain(secret);
    const encodedResponse = await app.request('/codec/encode', {
      method: 'POST',
      headers: ops,
      body: JSON.stringify({ payloads: [{ metadata: {}, data: 'eyJhIjoxfQ==' }] }),
    });
    const encoded = (await encodedResponse.json()) as { payloads: WirePayload[] };
    expect(
      Buffer.from(encoded.payloads[0]?.metadata['encryption-key-id'] ?? '', 'base64').toString(),
    ).toBe('k2');
    // Without the old key, the old payloads do not open: a 422, not garbage.
    const withoutOld = createApp({
      sql: ctx.db.sql,
      temporal: ctx.temporal.client,
      logger: createLogger({ level: 'silent', pretty: false }),
      providers: ctx.stack.providers,
      settings: { ...ctx.stack.apiSettings, encryptionKeys: [newKey] },
    });
    const refused = await withoutOld.request('/codec/decode', {
      method: 'POST',
      headers: ops,
      body: JSON.stringify({ payloads: wire.slice(0, 1) }),
    });
    expect(refused.status).toBe(422);
  });

  it('refuses a wrong or absent key (401), and browsers from other origins', async () => {
    const decode = (headers: Record<string, string>, method = 'POST') =>
      fetch(`${ctx.stack.apiUrl}/codec/decode`, {
        method,
        headers,
        ...(method === 'POST' ? { body: JSON.stringify({ payloads: wire.slice(0, 1) }) } : {}),
      });
    const absent = await decode({});
    expect(absent.status).toBe(401);
    expect(await absent.text()).not.toContain(ACCOUNT_NUMBER);
    expect((await decode({ authorization: 'Bearer not-the-ops-key-0000000' })).status).toBe(401);
    expect((await decode({ authorization: ctx.stack.apiSettings.opsApiKey })).status).toBe(401);

    const ui = 'http://127.0.0.1:8233';
    const preflight = (origin: string) =>
      decode(
        {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, x-namespace',
        },
        'OPTIONS',
      );
    const ok = await preflight(ui);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ui);
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    const foreign = await preflight('https://evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    // A simple POST from another origin is refused too, even with the key.
    const foreignPost = await decode({
      origin: 'https://evil.example',
      authorization: `Bearer ${ctx.stack.apiSettings.opsApiKey}`,
    });
    expect(foreignPost.status).toBe(403);
    expect(foreignPost.headers.get('access-control-allow-origin')).toBeNull();
    // Outside production the dev UI, which has no login to send a key, decodes from its origin.
    const fromUi = await decode({ origin: ui });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers.get('access-control-allow-origin')).toBe(ui);
    // In production it needs an ops key; the CORS answer comes on errors too (the UI shows them).
    const production = createApp({
      sql: ctx.db.sql,
      temporal: ctx.temporal.client,
      logger: createLogger({ level: 'silent', pretty: false }),
      providers: ctx.stack.providers,
      settings: { ...ctx.stack.apiSettings, production: true },
    });
    const fromUiInProduction = await production.request('/codec/decode', {
      method: 'POST',
      headers: { origin: ui },
      body: JSON.stringify({ payloads: wire.slice(0, 1) }),
    });
    expect(fromUiInProduction.status).toBe(401);
    expect(fromUiInProduction.headers.get('access-control-allow-origin')).toBe(ui);
    const withKey = await decode({
      origin: ui,
      authorization: `Bearer ${ctx.stack.apiSettings.opsApiKey}`,
    });
    expect(withKey.status).toBe(200);
    expect(withKey.headers.get('access-control-allow-origin')).toBe(ui);
  });
});
