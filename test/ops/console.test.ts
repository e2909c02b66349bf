import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { startSession } from '../../api/ops/session.js';
import { defaultApiSettings } from '../../api/settings.js';
import { flagAttention } from '../../workflows/client.js';
import { useApiHarness } from '../api/harness.js';
import { eventually } from '../support/eventually.js';

const ALICE = { operator: 'alice', key: 'alice-ops-key-0123456789abcdef-0123' };
const api = useApiHarness({ apiSettings: { opsKeys: [ALICE] } });

interface Page {
  status: number;
  headers: Headers;
  html: string;
  location: string | null;
  setCookies: string[];
}

/** A browser without JavaScript: keeps cookies, follows nothing, sends forms url-encoded. */
function browser() {
  const jar = new Map<string, string>();
  const request = async (
    method: 'GET' | 'POST',
    path: string,
    form?: Record<string, string>,
  ): Promise<Page> => {
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(`${api.h.stack.apiUrl}${path}`, {
      method,
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: 'manual',
    });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/max-age=0/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return {
      status: response.status,
      headers: response.headers,
      html: await response.text(),
      location: response.headers.get('location'),
      setCookies,
    };
  };
  return {
    jar,
    get: (path: string) => request('GET', path),
    post: (path: string, form: Record<string, string>) => request('POST', path, form),
  };
}

type Browser = ReturnType<typeof browser>;

const csrfOf = (html: string): string => {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no CSRF field in:\n${html.slice(0, 2000)}`);
  return token;
};

async function logIn(key: string): Promise<Browser> {
  const b = browser();
  const form = await b.get('/ops/login');
  expect(form.status).toBe(200);
  const done = await b.post('/ops/login', { _csrf: csrfOf(form.html), key });
  expect(done.status, done.html).toBe(303);
  expect(done.location).toBe('/ops');
  return b;
}

/** An escrow disputed by its buyer: funded, shipped, then disputed. */
async function disputedEscrow() {
  const escrow = await api.h.createEscrow(api.platform.apiKey);
  await api.h.fund(escrow);
  const buyer = await api.h.partyToken(api.platform.apiKey, escrow.id, 'buyer');
  const shipped = await api.h.call('POST', `/v1/escrows/${escrow.id}/ship`, {
    token: api.platform.apiKey,
    body: { carrier: 'GHN', trackingNumber: 'GHN1' },
  });
  expect(shipped.status, shipped.text).toBe(200);
  const disputed = await api.h.call('POST', `/v1/escrows/${escrow.id}/disputes`, {
    token: buyer,
    body: { reason: 'not_as_described', details: 'Scratched lens' },
  });
  expect(disputed.status, disputed.text).toBe(200);
  return escrow;
}

/** The numbers of a money page row, as digits. */
const rowValue = (html: string, currency: string, row: string): number => {
  const section = html.slice(html.indexOf(`id="money-${currency}"`));
  const match = new RegExp(
    `data-row="${row}"><th scope="row">[^<]*</th><td class="num">([\\d,]+)`,
  ).exec(section);
  if (!match?.[1]) throw new Error(`no ${row} row for ${currency}`);
  return Number(match[1].replaceAll(',', ''));
};

describe('logging in', () => {
  it('a named key starts a session: HttpOnly, SameSite=Strict, Path=/ops, with an expiry', async () => {
    const b = browser();
    const form = await b.get('/ops/login');
    expect(form.html).toContain('<label for="key">Ops key</label>');
    const done = await b.post('/ops/login', { _csrf: csrfOf(form.html), key: ALICE.key });
    expect(done.status).toBe(303);
    const cookie = done.setCookies.find((line) => line.startsWith('ops_session='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/ops/);
    expect(cookie).toMatch(/; Max-Age=28800/);
    expect(cookie).not.toMatch(/Secure/); // development: plain http
    const queue = await b.get('/ops');
    expect(queue.status).toBe(200);
    expect(queue.html).toContain('<span data-testid="operator">alice</span>');
  });

  it('the cookie is Secure in production', async () => {
    const app = new Hono();
    app.get('/', (c) => {
      startSession(c, { ...defaultApiSettings(), opsKeys: [ALICE], production: true }, ALICE.key);
      return c.text('ok');
    });
    const response = await app.request('/');
    expect(response.headers.get('set-cookie')).toMatch(/ops_session=.*; Secure/);
  });

  it('the single OPS_API_KEY still works, as the operator ops', async () => {
    const b = await logIn(api.h.opsKey);
    expect((await b.get('/ops')).html).toContain('<span data-testid="operator">ops</span>');
  });

  it('a named key is a bearer key of the API too', async () => {
    const check = await api.h.call('GET', '/v1/ledger/check', { token: ALICE.key });
    expect(check.status, check.text).toBe(200);
  });

  it('a wrong key is refused and sets no session', async () => {
    const b = browser();
    const form = await b.get('/ops/login');
    const refused = await b.post('/ops/login', { _csrf: csrfOf(form.html), key: 'not-a-key' });
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('That ops key is not valid.');
    expect(b.jar.has('ops_session')).toBe(false);
    expect((await b.get('/ops')).status).toBe(303);
  });

  it('a login post without the login form token is refused', async () => {
    const b = browser();
    const refused = await b.post('/ops/login', { key: ALICE.key });
    expect(refused.status).toBe(403);
    expect(b.jar.has('ops_session')).toBe(false);
  });

  it('a tampered session cookie is no session', async () => {
    const b = await logIn(ALICE.key);
    const value = b.jar.get('ops_session') ?? '';
    b.jar.set('ops_session', `${value.slice(0, -2)}xx`);
    expect((await b.get('/ops')).status).toBe(303);
  });

  it('logging out ends the session', async () => {
    const b = await logIn(ALICE.key);
    const queue = await b.get('/ops');
    const out = await b.post('/ops/logout', { _csrf: csrfOf(queue.html) });
    expect(out.status).toBe(303);
    expect(out.location).toBe('/ops/login');
    expect(b.jar.has('ops_session')).toBe(false);
    expect((await b.get('/ops')).location).toBe('/ops/login');
  });
});

describe('without a session', () => {
  it('every page redirects to the login form, and a form post is refused', async () => {
    const b = browser();
    for (const path of ['/ops', '/ops/search?q=x', '/ops/money', '/ops/escrows/esc_x']) {
      const page = await b.get(path);
      expect(page.status, path).toBe(303);
      expect(page.location, path).toBe('/ops/login');
    }
    const post = await b.post('/ops/escrows/esc_x/resolve', { outcome: 'release' });
    expect(post.status).toBe(401);
  });

  it('every page says no-store, no-referrer, no framing and a CSP without inline script', async () => {
    const b = await logIn(ALICE.key);
    for (const path of ['/ops/login', '/ops', '/ops/search', '/ops/money', '/ops/escrows/esc_x']) {
      const page = await b.get(path);
      expect(page.headers.get('cache-control'), path).toBe('no-store');
      expect(page.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(page.headers.get('x-frame-options'), path).toBe('DENY');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(page.html, path).not.toContain('<script');
    }
  });
});

describe('the case view', () => {
  it('refuses a form without the CSRF token with 403, and nothing changes', async () => {
    const escrow = await disputedEscrow();
    const b = await logIn(ALICE.key);
    const before = await api.h.snapshot(escrow.id);
    const missing = await b.post(`/ops/escrows/${escrow.id}/resolve`, { outcome: 'release' });
    expect(missing.status).toBe(403);
    const wrong = await b.post(`/ops/escrows/${escrow.id}/resolve`, {
      _csrf: 'forged',
      outcome: 'release',
    });
    expect(wrong.status).toBe(403);
    // Another session's token is not this one's.
    const other = await logIn(ALICE.key);
    const otherToken = csrfOf((await other.get('/ops')).html);
    const crossed = await b.post(`/ops/escrows/${escrow.id}/resolve`, {
      _csrf: otherToken,
      outcome: 'release',
    });
    expect(crossed.status).toBe(403);
    expect(await api.h.snapshot(escrow.id)).toEqual(before);
    expect(await api.h.statusOf(escrow.id)).toBe('disputed');
  });

  it('shows the dispute and resolves a split as ops:<name>; a refusal reads as a message', async () => {
    const escrow = await disputedEscrow();
    const b = await logIn(ALICE.key);
    const page = await b.get(`/ops/escrows/${escrow.id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<main id="main">');
    expect(page.html).toContain('<dd data-field="dispute-reason">not_as_described</dd>');
    expect(page.html).toContain('Scratched lens');
    expect(page.html).toContain('No messages yet.');
    expect(page.html).toContain('<button type="submit">Resolve dispute</button>');
    expect(page.html).toContain('<label for="sellerAmount">');
    expect(page.html).toContain('dispute_opened');
    const csrf = csrfOf(page.html);

    const tooMuch = await b.post(`/ops/escrows/${escrow.id}/resolve`, {
      _csrf: csrf,
      outcome: 'split',
      sellerAmount: '1500000',
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.html).toMatch(/role="alert">[^<]*split/);
    const noAmount = await b.post(`/ops/escrows/${escrow.id}/resolve`, {
      _csrf: csrf,
      outcome: 'split',
      sellerAmount: '',
    });
    expect(noAmount.status).toBe(422);
    expect(noAmount.html).toContain('a split needs sellerAmount');
    expect(await api.h.statusOf(escrow.id)).toBe('disputed');

    const split = await b.post(`/ops/escrows/${escrow.id}/resolve`, {
      _csrf: csrf,
      formId: 'f1',
      outcome: 'split',
      sellerAmount: '900000',
    });
    expect(split.status, split.html).toBe(303);
    expect(split.location).toBe(`/ops/escrows/${escrow.id}?notice=resolved`);
    expect(await api.h.statusOf(escrow.id)).toBe('split');
    const after = await b.get(split.location ?? '');
    expect(after.html).toContain('The dispute is resolved.');
    expect(after.html).toContain('ops:alice');

    const events = await api.h.call('GET', `/v1/escrows/${escrow.id}/events`, {
      token: api.platform.apiKey,
    });
    const resolved = (
      events.body.data as Array<{ type: string; data: Record<string, unknown> }>
    ).find((e) => e.type === 'dispute_resolved');
    expect(resolved?.data).toMatchObject({ by: 'ops', actorId: 'ops:alice' });

    const again = await b.post(`/ops/escrows/${escrow.id}/resolve`, {
      _csrf: csrf,
      formId: 'f2',
      outcome: 'release',
    });
    expect(again.status).toBe(409);
    expect(again.html).toMatch(/role="alert">[^<]*resolveDispute/);
  });

  it('an unknown escrow is a 404 page', async () => {
    const b = await logIn(ALICE.key);
    const page = await b.get('/ops/escrows/esc_nope');
    expect(page.status).toBe(404);
    expect(page.html).toContain('No escrow with id esc_nope.');
  });
});

describe('queue, search and money', () => {
  it('the queue lists an escrow flagged for attention, with its reason, and open disputes', async () => {
    const flagged = await api.h.createEscrow(api.platform.apiKey);
    const disputed = await disputedEscrow();
    await flagAttention(api.h.temporal.client, api.h.stack.apiSettings.taskQueue, flagged.id, {
      reason: 'reconciliation_mismatch',
      detail: 'test flag',
    });
    const b = await logIn(ALICE.key);
    await eventually(async () => {
      const queue = await b.get('/ops');
      const attention = queue.html.slice(
        queue.html.indexOf('id="attention-heading"'),
        queue.html.indexOf('id="disputes-heading"'),
      );
      expect(attention).toContain(`data-escrow-id="${flagged.id}"`);
      expect(attention).toContain('reconciliation_mismatch');
    });
    const queue = await b.get('/ops');
    const disputes = queue.html.slice(queue.html.indexOf('id="disputes-heading"'));
    expect(disputes).toContain(`data-escrow-id="${disputed.id}"`);
    expect(disputes).toContain('not_as_described');
  });

  it('search finds an escrow by id, by reference, by buyer and by seller', async () => {
    const tag = Math.random().toString(36).slice(2, 10);
    const escrow = await api.h.createEscrow(api.platform.apiKey, {
      reference: `ref-${tag}`,
      buyerId: `buyer-${tag}`,
      sellerId: `seller-${tag}`,
    });
    const b = await logIn(ALICE.key);
    for (const q of [escrow.id, `ref-${tag}`, `buyer-${tag}`, `seller-${tag}`]) {
      const page = await b.get(`/ops/search?q=${encodeURIComponent(q)}`);
      expect(page.status).toBe(200);
      expect(page.html, q).toContain(`data-escrow-id="${escrow.id}"`);
    }
    const none = await b.get('/ops/search?q=nobody-at-all');
    expect(none.html).toContain('No escrow has that id, reference, buyer or seller.');
  });

  it('the money summary shows a funded escrow held, from the ledger', async () => {
    const b = await logIn(ALICE.key);
    const heldBefore = async () => {
      const page = await b.get('/ops/money');
      return page.html.includes('id="money-VND"') ? rowValue(page.html, 'VND', 'held') : 0;
    };
    const before = await heldBefore();
    const escrow = await api.h.createEscrow(api.platform.apiKey, { amount: 777_000 });
    await api.h.fund(escrow);
    await eventually(async () => expect(await heldBefore()).toBe(before + 777_000));
    const page = await b.get('/ops/money');
    const [ledger] = await api.h.db.sql<{ held: string }[]>`
      select sum(balance)::text as held from ledger_accounts
       where kind = 'escrow_holding' and currency = 'VND'`;
    expect(rowValue(page.html, 'VND', 'held')).toBe(Number(ledger?.held));
    expect(page.html).toContain('Payouts failed');
  });
});
