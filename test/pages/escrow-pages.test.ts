import { describe, expect, it } from 'vitest';
import { signPartyToken } from '../../api/credentials.js';
import { formatMoney } from '../../api/pages/format.js';
import { pickLang, TIMER_TEXT } from '../../api/pages/i18n.js';
import { TIMERS } from '../../domain/lifecycle.js';
import { useApiHarness } from '../api/harness.js';

const api = useApiHarness();

const ITEMS = [
  { id: 'sku-1', description: 'Ống kính', amount: 1_000_000 },
  { id: 'sku-2', description: 'Dây đeo', amount: 500_000 },
];

const page = (path: string, init: RequestInit = {}) =>
  fetch(`${api.h.stack.apiUrl}${path}`, { redirect: 'manual', ...init });

/** Opens the party's link: the cookie it sets, as a Cookie header. */
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
  return { issued: issued.body, reply, cookie: (cookie ?? '').split(';')[0] ?? '' };
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

describe('hosted escrow page over HTTP', () => {
  it('every timer has a Vietnamese and an English text', () => {
    for (const timer of TIMERS) {
      for (const lang of ['vi', 'en'] as const) {
        expect(TIMER_TEXT[timer].name[lang], `${timer} ${lang}`).toMatch(/\S/);
        expect(TIMER_TEXT[timer].onExpiry[lang], `${timer} ${lang}`).toMatch(/\S/);
      }
    }
    expect(TIMER_TEXT.paymentWindow.onExpiry.vi).not.toBe(TIMER_TEXT.paymentWindow.onExpiry.en);
  });

  it('formats money for the locale and picks the language', () => {
    expect(formatMoney(1_500_000, 'VND', 'vi').replace(/\s/g, ' ')).toBe('1.500.000 ₫');
    expect(pickLang(undefined, undefined, 'en-US,en;q=0.9')).toBe('en');
    expect(pickLang(undefined, undefined, 'fr,vi;q=0.5,en;q=0.4')).toBe('vi');
    expect(pickLang('vi', 'en', 'en')).toBe('vi');
    expect(pickLang(undefined, undefined, undefined)).toBe('vi');
  });

  it('trades the link token for a scoped HttpOnly cookie and drops it from the address', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey, { items: ITEMS });
    const { issued, reply, cookie } = await openLink(escrow.id, 'buyer');
    expect(issued.url).toBe(
      `${api.h.stack.apiSettings.publicBaseUrl}/e/${escrow.id}?token=${encodeURIComponent(issued.token)}`,
    );
    expect(reply.headers.get('location')).toBe(`/e/${escrow.id}`);
    const setCookie =
      reply.headers.getSetCookie().find((c) => c.startsWith('escrow_session=')) ?? '';
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain(`Path=/e/${escrow.id}`);
    expect(setCookie).toMatch(/Expires=/);
    expect(setCookie).not.toContain('Secure'); // development; production sets it
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');

    const shown = await page(`/e/${escrow.id}`, { headers: { cookie } });
    expect(shown.status).toBe(200);
    expect(shown.headers.get('referrer-policy')).toBe('no-referrer');
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(shown.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await shown.text();
    expect(html).toContain('Chờ thanh toán');
    expect(html).toContain('1.500.000');
    expect(html).toContain('Hạn thanh toán');
    expect(html).not.toContain(issued.token);

    const english = await page(`/e/${escrow.id}`, {
      headers: { cookie, 'accept-language': 'en-GB,en;q=0.8' },
    });
    expect(await english.text()).toContain('Awaiting payment');
    const switched = await page(`/e/${escrow.id}?lang=en`, { headers: { cookie } });
    expect(switched.status).toBe(303);
    expect(switched.headers.getSetCookie().some((c) => c.startsWith('lang=en'))).toBe(true);
  });

  it('refuses an expired token, a bad one, and a cookie for another escrow', async () => {
    const a = await api.h.createEscrow(api.platform.apiKey);
    const b = await api.h.createEscrow(api.platform.apiKey);
    const expired = signPartyToken(
      {
        platformId: api.platform.id,
        escrowId: a.id,
        role: 'buyer',
        expiresAt: Math.floor(Date.now() / 1000) - 10,
      },
      api.h.stack.apiSettings.tokenSecret,
    );
    const old = await page(`/e/${a.id}?token=${expired}`);
    expect(old.status).toBe(401);
    expect(old.headers.getSetCookie()).toEqual([]);
    expect(await old.text()).toContain('Liên kết đã hết hạn');
    const asCookie = await page(`/e/${a.id}`, { headers: { cookie: `escrow_session=${expired}` } });
    expect(asCookie.status).toBe(401);

    expect((await page(`/e/${a.id}?token=pt_bogus.x`)).status).toBe(401);
    expect((await page(`/e/${a.id}`)).status).toBe(401);

    const { cookie } = await openLink(a.id, 'buyer');
    const other = await page(`/e/${b.id}`, { headers: { cookie } });
    expect(other.status).toBe(403);
    const html = await other.text();
    expect(html).not.toContain('Vintage camera');
    expect(html).not.toContain('data-status');
    const linkForA = await api.h.call('POST', `/v1/escrows/${a.id}/party-tokens`, {
      token: api.platform.apiKey,
      body: { role: 'buyer', ttlSeconds: 600 },
    });
    expect((await page(`/e/${b.id}?token=${linkForA.body.token}`)).status).toBe(403);
  });

  it('a form POST needs the CSRF token; with it the action runs and the page says so', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey, { items: ITEMS });
    await api.h.fund(escrow);
    const { cookie } = await openLink(escrow.id, 'seller');
    const form = { carrier: 'GHN', trackingNumber: 'GHN777' };
    const without = await page(`/e/${escrow.id}/actions/ship`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    expect(without.status).toBe(403);
    expect(await api.h.statusOf(escrow.id)).toBe('funded');
    const wrong = await page(`/e/${escrow.id}/actions/ship`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, _csrf: 'x'.repeat(43) }),
    });
    expect(wrong.status).toBe(403);

    const before = await (await page(`/e/${escrow.id}`, { headers: { cookie } })).text();
    const csrf = csrfOf(before);
    expect(csrf).toBeDefined();
    expect(before).toContain('data-action="ship"');
    expect(before).not.toContain('data-action="accept"');
    const missing = await page(`/e/${escrow.id}/actions/ship`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ carrier: 'GHN', _csrf: csrf ?? '' }),
    });
    expect(missing.status).toBe(303);
    const flashCookie = missing.headers.getSetCookie().find((c) => c.startsWith('escrow_flash='));
    const refused = await (
      await page(`/e/${escrow.id}`, {
        headers: { cookie: `${cookie}; ${(flashCookie ?? '').split(';')[0]}` },
      })
    ).text();
    expect(refused).toContain('Mã vận đơn');
    expect(await api.h.statusOf(escrow.id)).toBe('funded');

    const sent = await page(`/e/${escrow.id}/actions/ship`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, _csrf: csrf ?? '' }),
    });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe(`/e/${escrow.id}`);
    expect(await api.h.statusOf(escrow.id)).toBe('shipped');
    const again = await page(`/e/${escrow.id}/actions/accept`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf ?? '' }),
    });
    expect(again.status).toBe(303);
    const flash = again.headers.getSetCookie().find((c) => c.startsWith('escrow_flash='));
    const after = await (
      await page(`/e/${escrow.id}`, {
        headers: { cookie: `${cookie}; ${(flash ?? '').split(';')[0]}` },
      })
    ).text();
    expect(after).toContain('Bạn không được phép');
    expect(after).toContain('Đang giao hàng');
  });
});

describe('hosted escrow page: returns and disputes over forms', () => {
  const form = (cookie: string, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) {
      for (const v of [value].flat()) body.append(key, v);
    }
    return {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    };
  };

  it('buyer rejects one item and sends it back, seller confirms the return; seller answers a dispute', async () => {
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
    const buyer = (await openLink(escrow.id, 'buyer')).cookie;
    const seller = (await openLink(escrow.id, 'seller')).cookie;
    const csrf = async (cookie: string) =>
      csrfOf(await (await page(`/e/${escrow.id}`, { headers: { cookie } })).text()) ?? '';
    const buyerCsrf = await csrf(buyer);

    const post = async (
      cookie: string,
      name: string,
      fields: Record<string, string | string[]>,
    ) => {
      const reply = await page(`/e/${escrow.id}/actions/${name}`, form(cookie, fields));
      expect(reply.status).toBe(303);
      const flash = reply.headers.getSetCookie().find((c) => c.startsWith('escrow_flash=')) ?? '';
      const shown = await page(`/e/${escrow.id}`, {
        headers: { cookie: `${cookie}; ${flash.split(';')[0]}` },
      });
      return shown.text();
    };
    const item = (html: string, id: string) =>
      /data-item="([^"]+)" data-item-status="([^"]+)"/g.exec(
        html.slice(html.indexOf(`data-item="${id}"`) - 1),
      )?.[2];

    let html = await post(buyer, 'reject', { _csrf: buyerCsrf, reason: 'Sai màu', items: 'sku-2' });
    expect(html).toContain('Đã ghi nhận: Từ chối và trả hàng');
    expect(item(html, 'sku-2')).toBe('rejected');
    expect(item(html, 'sku-1')).toBe('inspecting');
    expect(html).toContain('data-action="return/ship"');

    html = await post(buyer, 'return/ship', {
      _csrf: buyerCsrf,
      carrier: 'GHN',
      trackingNumber: 'RET1',
    });
    expect(item(html, 'sku-2')).toBe('returning');
    // The seller's forms (and so its CSRF token) appear once it has something to do.
    const sellerCsrf = await csrf(seller);
    expect(sellerCsrf).not.toBe('');
    html = await post(seller, 'return/confirm', { _csrf: sellerCsrf });
    expect(html).toContain('Đã ghi nhận: Xác nhận đã nhận hàng trả');
    expect(item(html, 'sku-2')).toBe('refunded');

    html = await post(buyer, 'disputes', {
      _csrf: buyerCsrf,
      reason: 'damaged',
      details: '',
      items: ['sku-1'],
    });
    expect(item(html, 'sku-1')).toBe('disputed');
    html = await post(seller, 'disputes/respond', {
      _csrf: sellerCsrf,
      message: 'Hàng gửi đi còn mới.',
    });
    expect(html).toContain('Hàng gửi đi còn mới.');
    expect(html).not.toContain('data-action="disputes/respond"');
    // Once only: the workflow refuses a second answer, and the page says so in Vietnamese.
    html = await post(seller, 'disputes/respond', { _csrf: sellerCsrf, message: 'Lần nữa' });
    expect(html).toContain('flash-error');
  });
});
