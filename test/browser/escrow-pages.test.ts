import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useApiHarness } from '../api/harness.js';
import {
  expectAccessible,
  launchBrowser,
  screenshot,
  skipReason,
  submit,
  textOf,
} from './browser.js';

if (skipReason) console.warn(`browser tests skipped: ${skipReason}`);

const ITEMS = [
  { id: 'sku-1', description: 'Ống kính Canon 50mm', amount: 1_000_000 },
  { id: 'sku-2', description: 'Dây đeo máy ảnh', amount: 500_000 },
];

describe.skipIf(skipReason !== undefined)('hosted escrow page in a browser', () => {
  const api = useApiHarness();
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A fresh browser profile (one party) that opens its party link. */
  async function openAs(escrowId: string, role: 'buyer' | 'seller'): Promise<Page> {
    const issued = await api.h.call('POST', `/v1/escrows/${escrowId}/party-tokens`, {
      token: api.platform.apiKey,
      body: { role, ttlSeconds: 600 },
    });
    expect(issued.status, issued.text).toBe(201);
    const context = await browser.newContext({ locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    contexts.push(context);
    const page = await context.newPage();
    // The link points at PUBLIC_BASE_URL; the test's API listens on its own port.
    const link = new URL(issued.body.url);
    await page.goto(`${api.h.stack.apiUrl}${link.pathname}${link.search}`);
    expect(page.url()).toBe(`${api.h.stack.apiUrl}/e/${escrowId}`);
    expect(page.url()).not.toContain('token');
    return page;
  }

  const platformAct = async (escrowId: string, action: string, body?: unknown) => {
    const reply = await api.h.call('POST', `/v1/escrows/${escrowId}/${action}`, {
      token: api.platform.apiKey,
      ...(body === undefined ? {} : { body }),
    });
    expect(reply.status, reply.text).toBe(200);
  };

  it('seller ships; buyer disputes one of two items, the other stays under inspection', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey, {
      items: ITEMS,
      description: 'Máy ảnh và phụ kiện',
    });
    await api.h.fund(escrow);

    const seller = await openAs(escrow.id, 'seller');
    expect(await textOf(seller.locator('[data-status]'))).toMatch(
      /Đã thanh toán, chờ người bán gửi hàng/,
    );
    expect(await textOf(seller.locator('[data-timer="shippingWindow"] [data-countdown]'))).toMatch(
      /ngày|giờ|phút|giây/,
    );
    await screenshot(seller, '1-seller-funded');
    await expectAccessible(seller);
    const ship = seller.locator('form[data-action="ship"]');
    await ship.getByLabel('Hãng vận chuyển').fill('GHN');
    await ship.getByLabel('Mã vận đơn').fill('GHN123456789');
    await submit(seller, ship.getByRole('button', { name: 'Xác nhận đã gửi hàng' }));
    expect(await textOf(seller.locator('.flash-ok'))).toContain('Đã ghi nhận');
    expect(await textOf(seller.locator('[data-status]'))).toMatch('Đang giao hàng');
    expect(await seller.locator('form[data-action="ship"]').count()).toBe(0);
    await screenshot(seller, '2-seller-shipped');

    await platformAct(escrow.id, 'deliver');

    const buyer = await openAs(escrow.id, 'buyer');
    expect(await textOf(buyer.locator('[data-status]'))).toMatch(/người mua đang kiểm tra/);
    const countdown = buyer.locator('[data-item="sku-1"] [data-countdown]');
    expect(await textOf(countdown)).toMatch(/\d+ (ngày|giờ|phút|giây)/);
    expect(await textOf(buyer.locator('[data-item="sku-1"]'))).toContain('Hạn kiểm tra hàng');
    expect(await buyer.locator('form[data-action="accept"]').count()).toBe(1);
    await screenshot(buyer, '3-buyer-inspecting');
    await expectAccessible(buyer);

    const dispute = buyer.locator('form[data-action="disputes"]');
    await dispute.getByLabel(/Ống kính Canon 50mm/).check();
    await dispute.getByLabel('Lý do').selectOption('damaged');
    await dispute.getByLabel('Chi tiết').fill('Ống kính bị trầy.');
    await submit(buyer, dispute.getByRole('button', { name: 'Khiếu nại' }));
    expect(await textOf(buyer.locator('.flash-ok'))).toContain('Đã ghi nhận: Khiếu nại');
    expect(await buyer.locator('[data-item="sku-1"]').getAttribute('data-item-status')).toBe(
      'disputed',
    );
    expect(await textOf(buyer.locator('[data-item="sku-1"]'))).toContain('Đang khiếu nại');
    expect(await buyer.locator('[data-item="sku-2"]').getAttribute('data-item-status')).toBe(
      'inspecting',
    );
    expect(await textOf(buyer.locator('[data-item="sku-2"]'))).toContain('Đang kiểm tra');
    expect(await textOf(buyer.locator('[data-money="frozen"]'))).toMatch(/1\.000\.000\s₫/);
    expect(await textOf(buyer.locator('[data-event="dispute_opened"]'))).toContain(
      'Người mua mở khiếu nại',
    );
    await screenshot(buyer, '4-buyer-disputed-one-item');
    await expectAccessible(buyer);
  });

  it('buyer confirms receipt on another escrow: the money goes to the seller', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey);
    await api.h.fund(escrow);
    await platformAct(escrow.id, 'ship', { carrier: 'GHTK', trackingNumber: 'GHTK42' });
    await platformAct(escrow.id, 'deliver');

    const buyer = await openAs(escrow.id, 'buyer');
    await submit(
      buyer,
      buyer
        .locator('form[data-action="accept"]')
        .getByRole('button', { name: 'Xác nhận đã nhận hàng' }),
    );
    expect(await textOf(buyer.locator('.flash-ok'))).toContain('Đã ghi nhận');
    expect(await textOf(buyer.locator('[data-status]'))).toMatch('Đã thanh toán cho người bán');
    expect(await textOf(buyer.locator('[data-money="released"]'))).not.toMatch(/^0\s₫$/);
    expect(await buyer.getByText('Hiện tại bạn không cần làm gì.').isVisible()).toBe(true);
    await screenshot(buyer, '5-buyer-accepted');
    await expectAccessible(buyer);

    await submit(buyer, buyer.getByRole('link', { name: 'English' }));
    expect(await textOf(buyer.locator('[data-status]'))).toMatch('Paid to the seller');
    expect(buyer.url()).toBe(`${api.h.stack.apiUrl}/e/${escrow.id}`);
  });
});
