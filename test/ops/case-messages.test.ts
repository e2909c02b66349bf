// The ops console's case view: both sides' dispute messages and files (read through
// store/dispute-evidence.ts), file downloads for ops, and a message from ops (multipart, CSRF).
import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../api/harness.js';
import { tinyPdf, tinyPng } from '../support/evidence-files.js';

const api = useApiHarness();

/** A browser without JavaScript: keeps cookies, follows nothing. */
function browser() {
  const jar = new Map<string, string>();
  const request = async (
    method: 'GET' | 'POST',
    path: string,
    body?: FormData | URLSearchParams,
  ) => {
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(`${api.h.stack.apiUrl}${path}`, {
      method,
      headers,
      body,
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      if (/max-age=0/i.test(line) || pair.slice(at + 1) === '') jar.delete(pair.slice(0, at));
      else jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
  return {
    get: (path: string) => request('GET', path),
    post: (path: string, body: FormData | URLSearchParams) => request('POST', path, body),
  };
}

const csrfOf = (html: string): string => {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no CSRF field in:\n${html.slice(0, 2000)}`);
  return token;
};

async function logIn() {
  const b = browser();
  const form = await (await b.get('/ops/login')).text();
  const done = await b.post(
    '/ops/login',
    new URLSearchParams({ _csrf: csrfOf(form), key: api.h.opsKey }),
  );
  expect(done.status).toBe(303);
  return b;
}

/** A disputed escrow with a message and a photo from the buyer, and a PDF from the seller. */
async function caseWithEvidence() {
  const escrow = await api.h.createEscrow(api.platform.apiKey);
  await api.h.fund(escrow);
  const buyer = await api.h.partyToken(api.platform.apiKey, escrow.id, 'buyer');
  const seller = await api.h.partyToken(api.platform.apiKey, escrow.id, 'seller');
  const shipped = await api.h.call('POST', `/v1/escrows/${escrow.id}/ship`, {
    token: api.platform.apiKey,
    body: { carrier: 'GHN', trackingNumber: 'GHN1' },
  });
  expect(shipped.status, shipped.text).toBe(200);
  const disputed = await api.h.call('POST', `/v1/escrows/${escrow.id}/disputes`, {
    token: buyer,
    body: { reason: 'damaged', details: 'Cracked lens' },
  });
  expect(disputed.status, disputed.text).toBe(200);
  for (const [token, text, name, type, bytes] of [
    [buyer, 'Photo of the lens', 'lens.png', 'image/png', tinyPng()],
    [seller, 'Signed receipt', 'receipt.pdf', 'application/pdf', tinyPdf()],
  ] as const) {
    const body = new FormData();
    body.append('text', text);
    body.append('files', new Blob([bytes], { type }), name);
    const reply = await fetch(`${api.h.stack.apiUrl}/v1/escrows/${escrow.id}/disputes/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body,
    });
    expect(reply.status, await reply.clone().text()).toBe(201);
  }
  return escrow;
}

const filesOf = async (escrowId: string) => {
  const listed = await api.h.call('GET', `/v1/escrows/${escrowId}/disputes/messages`, {
    token: api.platform.apiKey,
  });
  return (listed.body.data as Array<{ author: string; files: Array<{ id: string }> }>).flatMap(
    (m) => m.files.map((f) => ({ author: m.author, id: f.id })),
  );
};

const upload = (fields: Record<string, string>, files: Array<[string, string, Uint8Array]>) => {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  for (const [name, type, bytes] of files) body.append('files', new Blob([bytes], { type }), name);
  return body;
};

describe('ops console: messages and evidence on the case view', () => {
  it("lists both sides' messages with their files; ops download them", async () => {
    const escrow = await caseWithEvidence();
    const b = await logIn();
    const html = await (await b.get(`/ops/escrows/${escrow.id}`)).text();
    expect(html).toContain('data-author="buyer"');
    expect(html).toContain('Photo of the lens');
    expect(html).toContain('data-author="seller"');
    expect(html).toContain('Signed receipt');
    const files = await filesOf(escrow.id);
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(html).toContain(`href="/ops/escrows/${escrow.id}/files/${file.id}"`);
    }
    const pdf = await b.get(`/ops/escrows/${escrow.id}/files/${files[1]?.id}`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toMatch(/^attachment; filename="receipt.pdf"/);
    expect(Buffer.from(await pdf.arrayBuffer()).equals(tinyPdf())).toBe(true);
    // Without a session: the login page, not the file.
    const anonymous = await browser().get(`/ops/escrows/${escrow.id}/files/${files[0]?.id}`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/ops/login');
  });

  it('ops add a message with a file; without the CSRF token it is refused with 403', async () => {
    const escrow = await caseWithEvidence();
    const b = await logIn();
    const html = await (await b.get(`/ops/escrows/${escrow.id}`)).text();
    expect(html).toContain(`action="/ops/escrows/${escrow.id}/messages"`);
    expect(html).toContain('enctype="multipart/form-data"');

    const noCsrf = await b.post(
      `/ops/escrows/${escrow.id}/messages`,
      upload({ text: 'x' }, [['a.png', 'image/png', tinyPng()]]),
    );
    expect(noCsrf.status).toBe(403);
    expect(await filesOf(escrow.id)).toHaveLength(2);

    const sent = await b.post(
      `/ops/escrows/${escrow.id}/messages`,
      upload({ _csrf: csrfOf(html), formId: 'm1', text: 'Please send the box photos too' }, [
        ['note.pdf', 'application/pdf', tinyPdf('ops')],
      ]),
    );
    expect(sent.status, await sent.clone().text()).toBe(303);
    expect(sent.headers.get('location')).toBe(`/ops/escrows/${escrow.id}?notice=message-added`);
    const after = await (await b.get(sent.headers.get('location') ?? '')).text();
    expect(after).toContain('The message is added to the case.');
    expect(after).toContain('data-author="ops"');
    expect(after).toContain('Please send the box photos too');
    expect(after).toContain('note.pdf');
    const listed = await api.h.call('GET', `/v1/escrows/${escrow.id}/disputes/messages`, {
      token: api.platform.apiKey,
    });
    const last = listed.body.data.at(-1);
    expect(last).toMatchObject({ author: 'ops', text: 'Please send the box photos too' });
  });

  it("a wrong type reads as a message; another escrow's file is not found", async () => {
    const escrow = await caseWithEvidence();
    const other = await caseWithEvidence();
    const b = await logIn();
    const html = await (await b.get(`/ops/escrows/${escrow.id}`)).text();
    const wrong = await b.post(
      `/ops/escrows/${escrow.id}/messages`,
      upload({ _csrf: csrfOf(html), text: 'see attached' }, [
        ['evil.pdf', 'application/pdf', new TextEncoder().encode('<html><script>x</script>')],
      ]),
    );
    expect(wrong.status).toBe(415);
    expect(await wrong.text()).toMatch(
      /role="alert">[^<]*Not sent: File &quot;evil.pdf&quot; is HTML, judged by its bytes/,
    );
    expect(await filesOf(escrow.id)).toHaveLength(2);

    const otherFile = (await filesOf(other.id))[0]?.id;
    const crossed = await b.get(`/ops/escrows/${escrow.id}/files/${otherFile}`);
    expect(crossed.status).toBe(404);
    expect(await crossed.text()).toContain('has no evidence file');
  });
});
