import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { signPartyToken } from '../../api/credentials.js';
import { EVIDENCE_MAX_FILE_BYTES } from '../../domain/evidence.js';
import { verifyCaseRecord } from '../../infra/case-record.js';
import { escrowWorkflowId } from '../../workflows/client.js';
import { eventually } from '../support/eventually.js';
import { expectProblem, useApiHarness } from './harness.js';

const run = promisify(execFile);
const api = useApiHarness();

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
const HTML = Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>');
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(500, 0x90)]);

async function disputedEscrow() {
  const escrow = await api.h.createEscrow(api.platform.apiKey);
  await api.h.fund(escrow);
  const act = async (name: string, body: unknown) => {
    const reply = await api.h.call('POST', `/v1/escrows/${escrow.id}/${name}`, {
      token: api.platform.apiKey,
      body,
    });
    expect(reply.status, reply.text).toBe(200);
  };
  await act('ship', { carrier: 'GHN', trackingNumber: 'T1' });
  await act('disputes', { reason: 'damaged', details: 'cracked lens' });
  return escrow.id;
}

async function upload(
  escrowId: string,
  token: string,
  text: string,
  files: Array<{ name: string; bytes: Buffer; type?: string }>,
) {
  const form = new FormData();
  form.append('text', text);
  for (const f of files) {
    form.append('files', new Blob([f.bytes], { type: f.type ?? 'image/jpeg' }), f.name);
  }
  const response = await fetch(`${api.h.stack.apiUrl}/v1/escrows/${escrowId}/disputes/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text2 = await response.text();
  let body: unknown = text2;
  try {
    body = JSON.parse(text2);
  } catch {}
  // biome-ignore lint/suspicious/noExplicitAny: test reply
  return { status: response.status, headers: response.headers, text: text2, body: body as any };
}

async function script(name: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', `scripts/${name}`, ...args],
      {
        env: { ...process.env, ...env },
      },
    );
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: `${failed.stdout}${failed.stderr}` };
  }
}

describe('dispute evidence', () => {
  it('buyer (JPEG) and seller (PDF) add evidence; it is listed, downloadable and a chained event with a webhook', async () => {
    const id = await disputedEscrow();
    const buyer = await api.h.partyToken(api.platform.apiKey, id, 'buyer');
    const seller = await api.h.partyToken(api.platform.apiKey, id, 'seller');

    const fromBuyer = await upload(id, buyer, 'The lens is cracked.', [
      { name: 'lens.jpg', bytes: JPEG },
    ]);
    expect(fromBuyer.status, fromBuyer.text).toBe(201);
    expect(fromBuyer.body).toMatchObject({
      author: 'buyer',
      text: 'The lens is cracked.',
      files: [{ name: 'lens.jpg', contentType: 'image/jpeg', size: JPEG.length }],
    });
    // The part claimed image/jpeg: the bytes say PDF, and that is what is stored.
    const fromSeller = await upload(id, seller, 'Shipping receipt attached.', [
      { name: 'receipt.pdf', bytes: PDF, type: 'image/jpeg' },
    ]);
    expect(fromSeller.status, fromSeller.text).toBe(201);
    expect(fromSeller.body.files[0].contentType).toBe('application/pdf');
    const json = await api.h.call('POST', `/v1/escrows/${id}/disputes/messages`, {
      token: api.platform.apiKey,
      body: { text: 'We are looking into it.' },
    });
    expect(json.status, json.text).toBe(201);
    expect(json.body.author).toBe('platform');

    const list = await api.h.call('GET', `/v1/escrows/${id}/disputes/messages`, { token: seller });
    expect(list.status).toBe(200);
    expect(list.body.data.map((m: { author: string }) => m.author)).toEqual([
      'buyer',
      'seller',
      'platform',
    ]);

    const fileId = fromBuyer.body.files[0].id;
    const download = await fetch(
      `${api.h.stack.apiUrl}/v1/escrows/${id}/disputes/files/${fileId}`,
      {
        headers: { authorization: `Bearer ${seller}` },
      },
    );
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/jpeg');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await download.arrayBuffer()).equals(JPEG)).toBe(true);

    const [event] = await api.h.db.sql<
      { data: { author: string; files: unknown[] }; hash: string }[]
    >`
      select data, hash from escrow_events
       where escrow_id = ${id} and seq = ${fromBuyer.body.seq}`;
    expect(event?.data).toMatchObject({
      author: 'buyer',
      files: [{ id: fileId, sha256: fromBuyer.body.files[0].sha256, size: JPEG.length }],
    });
    expect(JSON.stringify(event?.data)).not.toContain('bytes');
    expect(event?.hash).toMatch(/^[0-9a-f]{64}$/);
    const outbox = await api.h.db.sql<
      { event_type: string; payload: { data: { details: unknown } } }[]
    >`
      select event_type, payload from webhook_outbox
       where escrow_id = ${id} and seq = ${fromBuyer.body.seq}`;
    expect(outbox).toHaveLength(1);
    expect(outbox[0]?.event_type).toBe('escrow.dispute_message');
    expect(outbox[0]?.payload.data.details).toMatchObject({ author: 'buyer' });
  });

  it('refuses a renamed HTML or EXE file (415), a file over 5 MB (413), the 21st file (409), another escrow’s token (404), an escrow without dispute (409)', async () => {
    const id = await disputedEscrow();
    const buyer = await api.h.partyToken(api.platform.apiKey, id, 'buyer');
    for (const bytes of [HTML, EXE]) {
      const reply = await upload(id, buyer, 'look', [{ name: 'photo.jpg', bytes }]);
      expectProblem(reply as never, 415, 'unsupported-file-type');
      expect(reply.body.detail).toContain('photo.jpg');
    }
    const big = Buffer.concat([JPEG, Buffer.alloc(EVIDENCE_MAX_FILE_BYTES + 1 - JPEG.length)]);
    const tooBig = await upload(id, buyer, 'big', [{ name: 'big.jpg', bytes: big }]);
    expectProblem(tooBig as never, 413, 'payload-too-large');

    const twenty = Array.from({ length: 20 }, (_, i) => ({ name: `p${i}.jpg`, bytes: JPEG }));
    expect((await upload(id, buyer, 'twenty', twenty)).status).toBe(201);
    const more = await upload(id, buyer, 'one more', [{ name: 'p21.jpg', bytes: JPEG }]);
    expectProblem(more as never, 409, 'too-many-files');
    // A message without files is still taken.
    expect((await upload(id, buyer, 'no file', [])).status).toBe(201);

    const other = await api.h.createEscrow(api.platform.apiKey);
    const otherToken = signPartyToken(
      {
        platformId: api.platform.id,
        escrowId: other.id,
        role: 'buyer',
        expiresAt: Math.floor(Date.now() / 1000) + 600,
      },
      api.h.stack.apiSettings.tokenSecret,
    );
    expectProblem((await upload(id, otherToken, 'x', [])) as never, 404);
    const list = await api.h.call('GET', `/v1/escrows/${id}/disputes/messages`, {
      token: otherToken,
    });
    expectProblem(list, 404);
    const undisputed = await api.h.call('POST', `/v1/escrows/${other.id}/disputes/messages`, {
      token: api.platform.apiKey,
      body: { text: 'hello' },
    });
    expectProblem(undisputed, 409, 'invalid-state');
  });
});

it('a resolved dispute still takes messages after its workflow has closed (update-with-start)', async () => {
  const id = await disputedEscrow();
  const resolved = await api.h.call('POST', `/v1/escrows/${id}/disputes/resolve`, {
    token: api.h.opsKey,
    body: { outcome: 'release' },
  });
  expect(resolved.status, resolved.text).toBe(200);
  const handle = api.h.temporal.client.workflow.getHandle(escrowWorkflowId(id));
  await eventually(async () => expect((await handle.describe()).status.name).toBe('COMPLETED'));
  const seller = await api.h.partyToken(api.platform.apiKey, id, 'seller');
  const late = await upload(id, seller, 'Paid, thanks.', [{ name: 'receipt.pdf', bytes: PDF }]);
  expect(late.status, late.text).toBe(201);
  const record = await api.h.call('GET', `/v1/escrows/${id}/case-record`, { token: seller });
  expect(record.body.events.at(-1)).toMatchObject({ type: 'dispute_message', seq: late.body.seq });
  expect(verifyCaseRecord(record.body).ok).toBe(true);
});

describe('case record', () => {
  it('exports a signed record that case:verify calls intact; one changed byte breaks it at that seq', async () => {
    const id = await disputedEscrow();
    const buyer = await api.h.partyToken(api.platform.apiKey, id, 'buyer');
    const up = await upload(id, buyer, 'evidence', [{ name: 'lens.jpg', bytes: JPEG }]);
    expect(up.status, up.text).toBe(201);

    const reply = await api.h.call('GET', `/v1/escrows/${id}/case-record`, { token: buyer });
    expect(reply.status, reply.text).toBe(200);
    const record = reply.body;
    expect(record.events.length).toBeGreaterThanOrEqual(5);
    expect(record.chain.head.hash).toBe(record.events.at(-1).hash);
    expect(record.evidence[0]).toMatchObject({ sha256: up.body.files[0].sha256 });
    expect(record.ledger.length).toBeGreaterThan(0);
    expect(record.terms).toMatchObject({ escrowId: id });

    const keys = await api.h.call('GET', '/.well-known/escrow-signing-keys');
    expect(keys.status).toBe(200);
    expect(keys.body.keys[0]).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      kid: record.signature.kid,
    });
    expect(verifyCaseRecord(record, keys.body.keys).ok).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'case-'));
    const file = join(dir, 'record.json');
    const keysFile = join(dir, 'keys.json');
    writeFileSync(file, reply.text);
    writeFileSync(keysFile, keys.text);
    const intact = await script('case-verify.ts', [file, '--keys', keysFile]);
    expect(intact.code, intact.stdout).toBe(0);
    expect(intact.stdout).toContain('intact');

    // One byte of event 2's data changed in the exported file.
    const text = readFileSync(file, 'utf8');
    const tampered = JSON.parse(text);
    const target = tampered.events[1];
    target.data = JSON.parse(JSON.stringify(target.data).replace(/"status":"/, '"status":"X'));
    if (JSON.stringify(target.data) === JSON.stringify(record.events[1].data)) {
      target.data = { ...target.data, x: 1 };
    }
    writeFileSync(file, JSON.stringify(tampered));
    const broken = await script('case-verify.ts', [file]);
    expect(broken.code, broken.stdout).toBe(1);
    expect(broken.stdout).toContain(`event seq ${target.seq}`);
    expect(broken.stdout).toContain(`event ${target.seq}`);
  });

  it('case:check finds an old event edited directly in Postgres', async () => {
    const id = await disputedEscrow();
    const env = { DATABASE_URL: api.h.db.url };
    const clean = await script('case-check.ts', [], env);
    expect(clean.code, clean.stdout).toBe(0);
    // As the owner: only the owner may switch a trigger off.
    const { ownerSql: sql } = api.h.db;
    await sql.begin(async (tx) => {
      await tx`alter table escrow_events disable trigger escrow_events_append_only`;
      await tx`update escrow_events set data = data || '{"tampered": 1}'::jsonb
                where escrow_id = ${id} and seq = 2`;
      await tx`alter table escrow_events enable trigger escrow_events_append_only`;
    });
    const found = await script('case-check.ts', [], env);
    expect(found.code, found.stdout).toBe(1);
    expect(found.stdout).toContain(`escrow ${id} seq 2`);
    // The record export says so too.
    const reply = await api.h.call('GET', `/v1/escrows/${id}/case-record`, {
      token: api.platform.apiKey,
    });
    expect(verifyCaseRecord(reply.body).firstBrokenSeq).toBe(2);
    // Put it back, so the other tests' checks see clean chains.
    await sql.begin(async (tx) => {
      await tx`alter table escrow_events disable trigger escrow_events_append_only`;
      await tx`update escrow_events set data = data - 'tampered' where escrow_id = ${id} and seq = 2`;
      await tx`alter table escrow_events enable trigger escrow_events_append_only`;
    });
    expect((await script('case-check.ts', [], env)).code).toBe(0);
  });

  it('rows from before the chain are chained by case:backfill; the trigger lets only that through', async () => {
    const id = await disputedEscrow();
    const { ownerSql: sql } = api.h.db;
    await sql.begin(async (tx) => {
      await tx`alter table escrow_events disable trigger escrow_events_append_only`;
      await tx`update escrow_events set prev_hash = null, hash = null where escrow_id = ${id}`;
      await tx`alter table escrow_events enable trigger escrow_events_append_only`;
    });
    await expect(
      sql`update escrow_events set data = '{}' where escrow_id = ${id} and seq = 1`,
    ).rejects.toThrow(/append-only/);
    const env = { DATABASE_URL: api.h.db.url };
    expect((await script('case-check.ts', [], env)).code).toBe(1);
    const filled = await script('case-backfill.ts', [], env);
    expect(filled.code, filled.stdout).toBe(0);
    await eventually(async () => {
      const after = await script('case-check.ts', [], env);
      expect(after.code, after.stdout).toBe(0);
    });
  });
});
