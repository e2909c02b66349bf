// The hosted page's dispute evidence over HTTP: the message form (multipart, CSRF), the file
// route through the page's session, and refusals as sentences in the page's language.
import { describe, expect, it } from 'vitest';
import { csrfToken } from '../../api/pages/session.js';
import { EVIDENCE_MAX_FILE_BYTES } from '../../domain/evidence.js';
import { useApiHarness } from '../api/harness.js';
import { tinyPdf, tinyPng } from '../support/evidence-files.js';

const api = useApiHarness();

const ITEMS = [
  { id: 'sku-1', description: 'Ống kính', amount: 1_000_000 },
  { id: 'sku-2', description: 'Dây đeo', amount: 500_000 },
];

const page = (path: string, init: RequestInit = {}) =>
  fetch(`${api.h.stack.apiUrl}${path}`, { redirect: 'manual', ...init });

async function openLink(escrowId: string, role: 'buyer' | 'seller') {
  const issued = await api.h.call('POST', `/v1/escrows/${escrowId}/party-tokens`, {
    token: api.platform.apiKey,
    body: { role, ttlSeconds: 600 },
  });
  expect(issued.status, issued.text).toBe(201);
  const url = new URL(issued.body.url);
  const reply = await page(`${url.pathname}${url.search}`);
  expect(reply.status).toBe(303);
  const cookie = reply.headers.getSetCookie().find((c) => c.startsWith('escrow_session='));
  return { cookie: (cookie ?? '').split(';')[0] ?? '', token: issued.body.token as string };
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** A delivered escrow whose buyer disputed sku-1 (through the API). */
async function disputedEscrow() {
  const escrow = await api.h.createEscrow(api.platform.apiKey, { items: ITEMS });
  await api.h.fund(escrow);
  for (const [action, body] of [
    ['ship', { carrier: 'GHN', trackingNumber: 'GHN1' }],
    ['deliver', undefined],
  ] as const) {
    const reply = await api.h.call('POST', `/v1/escrows/${escrow.id}/${action}`, {
      token: api.platform.apiKey,
      ...(body ? { body } : {}),
    });
    expect(reply.status, reply.text).toBe(200);
  }
  const buyer = await openLink(escrow.id, 'buyer');
  const disputed = await api.h.call('POST', `/v1/escrows/${escrow.id}/disputes`, {
    token: buyer.token,
    body: { reason: 'damaged', items: ['sku-1'] },
  });
  expect(disputed.status, disputed.text).toBe(200);
  return { escrow, buyer };
}

interface Part {
  name: string;
  type: string;
  bytes: Uint8Array;
}

/** A multipart form, as the browser sends the evidence form. */
function multipart(cookie: string, fields: Record<string, string>, files: Part[] = []) {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  for (const file of files) {
    body.append('files', new Blob([file.bytes], { type: file.type }), file.name);
  }
  return { method: 'POST', headers: { cookie }, body };
}

/** The page after a form's redirect, with its flash cookie: the flash text. */
async function flashAfter(reply: Response, cookie: string, escrowId: string) {
  expect(reply.status).toBe(303);
  expect(reply.headers.get('location')).toBe(`/e/${escrowId}#evidence`);
  const flash = reply.headers
    .getSetCookie()
    .find((c) => c.startsWith('escrow_flash='))
    ?.split(';')[0];
  const shown = await page(`/e/${escrowId}`, {
    headers: { cookie: [cookie, flash].filter(Boolean).join('; ') },
  });
  const html = await shown.text();
  const match = /class="flash flash-(ok|error)"[^>]*>([^<]*)</.exec(html);
  return { kind: match?.[1], text: match?.[2] ?? '', html };
}

const messagesOf = async (escrowId: string) => {
  const listed = await api.h.call('GET', `/v1/escrows/${escrowId}/disputes/messages`, {
    token: api.platform.apiKey,
  });
  expect(listed.status, listed.text).toBe(200);
  return listed.body.data as Array<{ author: string; text: string; files: Array<{ id: string }> }>;
};

const png = (name = 'anh.png'): Part => ({ name, type: 'image/png', bytes: tinyPng() });

describe('hosted page: dispute messages and evidence', () => {
  it('lists the messages with file links; a file downloads through the page session', async () => {
    const { escrow, buyer } = await disputedEscrow();
    const html = await (
      await page(`/e/${escrow.id}`, { headers: { cookie: buyer.cookie } })
    ).text();
    expect(html).toContain('enctype="multipart/form-data"');
    expect(html).toContain(`action="/e/${escrow.id}/messages"`);
    expect(html).toContain('Chưa có tin nhắn nào.');
    const sent = await page(
      `/e/${escrow.id}/messages`,
      multipart(buyer.cookie, { _csrf: csrfOf(html), text: 'Ảnh ống kính bị nứt' }, [png()]),
    );
    const after = await flashAfter(sent, buyer.cookie, escrow.id);
    expect(after).toMatchObject({ kind: 'ok', text: 'Đã gửi tin nhắn.' });
    const [message] = await messagesOf(escrow.id);
    expect(message).toMatchObject({ author: 'buyer', text: 'Ảnh ống kính bị nứt' });
    const fileId = message?.files[0]?.id ?? '';
    expect(after.html).toContain(`href="/e/${escrow.id}/files/${fileId}"`);

    const file = await page(`/e/${escrow.id}/files/${fileId}`, {
      headers: { cookie: buyer.cookie },
    });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="anh.png"/);
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await file.arrayBuffer()).equals(tinyPng())).toBe(true);

    // The seller's page lists it too.
    const seller = await openLink(escrow.id, 'seller');
    const sellerHtml = await (
      await page(`/e/${escrow.id}`, { headers: { cookie: seller.cookie } })
    ).text();
    expect(sellerHtml).toContain('data-author="buyer"');
    expect(sellerHtml).toContain(`/e/${escrow.id}/files/${fileId}`);
  });

  it('an upload without the CSRF token (or with another) is refused with 403; nothing is stored', async () => {
    const { escrow, buyer } = await disputedEscrow();
    const none = await page(
      `/e/${escrow.id}/messages`,
      multipart(buyer.cookie, { text: 'x' }, [png()]),
    );
    expect(none.status).toBe(403);
    expect(await none.text()).toContain('Biểu mẫu đã hết hiệu lực');
    const forged = await page(
      `/e/${escrow.id}/messages`,
      multipart(buyer.cookie, { _csrf: 'A'.repeat(43), text: 'x' }, [png()]),
    );
    expect(forged.status).toBe(403);
    const noSession = await page(`/e/${escrow.id}/messages`, multipart('', { text: 'x' }));
    expect(noSession.status).toBe(401);
    expect(await messagesOf(escrow.id)).toEqual([]);
  });

  it("refuses another escrow's session: no upload, no file", async () => {
    const a = await disputedEscrow();
    const b = await disputedEscrow();
    const aHtml = await (
      await page(`/e/${a.escrow.id}`, { headers: { cookie: a.buyer.cookie } })
    ).text();
    await page(
      `/e/${a.escrow.id}/messages`,
      multipart(a.buyer.cookie, { _csrf: csrfOf(aHtml) }, [png()]),
    );
    const fileId = (await messagesOf(a.escrow.id))[0]?.files[0]?.id ?? '';
    expect(fileId).toMatch(/^dfile_/);

    // B's session cookie sent to A's file and A's form (a browser would not send it: its path).
    const other = await page(`/e/${a.escrow.id}/files/${fileId}`, {
      headers: { cookie: b.buyer.cookie },
    });
    expect(other.status).toBe(403);
    expect(await other.text()).toContain('Liên kết của bạn dành cho một giao dịch khác.');
    const bHtml = await (
      await page(`/e/${b.escrow.id}`, { headers: { cookie: b.buyer.cookie } })
    ).text();
    const post = await page(
      `/e/${a.escrow.id}/messages`,
      multipart(b.buyer.cookie, { _csrf: csrfOf(bHtml), text: 'x' }),
    );
    expect(post.status).toBe(403);
    // A's file asked for under B's own page: not B's file.
    const crossed = await page(`/e/${b.escrow.id}/files/${fileId}`, {
      headers: { cookie: b.buyer.cookie },
    });
    expect(crossed.status).toBe(404);
    expect(await crossed.text()).toContain('Không tìm thấy tệp này.');
    // No session at all.
    expect((await page(`/e/${a.escrow.id}/files/${fileId}`)).status).toBe(401);
    expect(await messagesOf(b.escrow.id)).toEqual([]);
  });

  it('a wrong type, a file too large, an empty message: readable refusals, in the page language', async () => {
    const { escrow, buyer } = await disputedEscrow();
    const html = await (
      await page(`/e/${escrow.id}`, { headers: { cookie: buyer.cookie } })
    ).text();
    const csrf = csrfOf(html);
    const fake: Part = {
      name: 'anh.png',
      type: 'image/png',
      bytes: new TextEncoder().encode('<!doctype html><script>alert(1)</script>'),
    };
    const wrong = await flashAfter(
      await page(`/e/${escrow.id}/messages`, multipart(buyer.cookie, { _csrf: csrf }, [fake])),
      buyer.cookie,
      escrow.id,
    );
    expect(wrong.kind).toBe('error');
    expect(wrong.text).toContain(
      'Tệp &quot;anh.png&quot; không phải ảnh JPEG, PNG, WebP hay tài liệu PDF',
    );

    const big: Part = {
      name: 'lon.pdf',
      type: 'application/pdf',
      bytes: new Uint8Array(EVIDENCE_MAX_FILE_BYTES + 1).fill(0x25),
    };
    const tooBig = await flashAfter(
      await page(`/e/${escrow.id}/messages`, multipart(buyer.cookie, { _csrf: csrf }, [big])),
      buyer.cookie,
      escrow.id,
    );
    expect(tooBig.kind).toBe('error');
    expect(tooBig.text).toMatch(/Tệp &quot;lon.pdf&quot; quá lớn .*tối đa 5 MB/);

    const overLimit = await page(`/e/${escrow.id}/actions/accept`, {
      method: 'POST',
      headers: { cookie: buyer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${csrf}&details=${'x'.repeat(api.h.stack.apiSettings.maxBodyBytes + 1)}`,
    });
    expect(overLimit.status).toBe(413);
    expect(await overLimit.text()).toContain('Biểu mẫu quá lớn. Mỗi tệp tối đa 5 MB');

    const english = `${buyer.cookie}; lang=en`;
    const empty = await flashAfter(
      await page(`/e/${escrow.id}/messages`, multipart(english, { _csrf: csrf, text: ' ' })),
      english,
      escrow.id,
    );
    expect(empty).toMatchObject({
      kind: 'error',
      text: 'Write a message or attach at least one file.',
    });
    expect(await messagesOf(escrow.id)).toEqual([]);
  });

  it('the dispute form takes files: they become its first message; a wrong one stops the dispute', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey, { items: ITEMS });
    await api.h.fund(escrow);
    for (const [action, body] of [
      ['ship', { carrier: 'GHN', trackingNumber: 'GHN1' }],
      ['deliver', undefined],
    ] as const) {
      const reply = await api.h.call('POST', `/v1/escrows/${escrow.id}/${action}`, {
        token: api.platform.apiKey,
        ...(body ? { body } : {}),
      });
      expect(reply.status, reply.text).toBe(200);
    }
    const buyer = await openLink(escrow.id, 'buyer');
    const html = await (
      await page(`/e/${escrow.id}`, { headers: { cookie: buyer.cookie } })
    ).text();
    expect(html).toMatch(/data-action="disputes"[^>]*enctype="multipart\/form-data"/);
    const csrf = csrfOf(html);
    const fields = { _csrf: csrf, reason: 'damaged', items: 'sku-1', details: 'Nứt' };
    const refused = await page(
      `/e/${escrow.id}/actions/disputes`,
      multipart(buyer.cookie, fields, [
        { name: 'x.exe', type: 'image/jpeg', bytes: new TextEncoder().encode('MZ\x90\x00') },
      ]),
    );
    expect(refused.status).toBe(303);
    expect(await api.h.statusOf(escrow.id)).toBe('delivered');

    const opened = await page(
      `/e/${escrow.id}/actions/disputes`,
      multipart(buyer.cookie, fields, [
        png('hop.png'),
        { name: 'bien-nhan.pdf', type: 'application/pdf', bytes: tinyPdf() },
      ]),
    );
    expect(opened.status).toBe(303);
    expect(await api.h.statusOf(escrow.id)).toBe('delivered'); // sku-2 is still inspected
    const [first] = await messagesOf(escrow.id);
    expect(first?.author).toBe('buyer');
    expect(first?.files.map((f) => (f as unknown as { name: string }).name)).toEqual([
      'hop.png',
      'bien-nhan.pdf',
    ]);
  });

  it('an escrow without a dispute takes no message', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey, { items: ITEMS });
    const buyer = await openLink(escrow.id, 'buyer');
    const html = await (
      await page(`/e/${escrow.id}`, { headers: { cookie: buyer.cookie } })
    ).text();
    expect(html).not.toContain(`/e/${escrow.id}/messages`);
    const reply = await page(
      `/e/${escrow.id}/messages`,
      multipart(buyer.cookie, {
        _csrf: csrfToken(buyer.token, api.h.stack.apiSettings.tokenSecret),
        text: 'x',
      }),
    );
    const after = await flashAfter(reply, buyer.cookie, escrow.id);
    expect(after).toMatchObject({
      kind: 'error',
      text: 'Giao dịch này không có khiếu nại nên không nhận tin nhắn.',
    });
  });
});
