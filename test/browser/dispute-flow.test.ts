// A dispute from end to end in a browser, in Vietnamese: the buyer disputes one of two items
// with a photo, the seller answers and uploads a PDF, ops read both sides' messages and files
// in the console and split the disputed item; both parties' pages then show the outcome.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useApiHarness } from '../api/harness.js';
import { tinyPdf, tinyPng } from '../support/evidence-files.js';
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

describe.skipIf(skipReason !== undefined)('a dispute with evidence, in a browser', () => {
  const api = useApiHarness();
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function newPage(locale: string): Promise<Page> {
    const context = await browser.newContext({ locale, timezoneId: 'Asia/Ho_Chi_Minh' });
    contexts.push(context);
    return context.newPage();
  }

  async function openAs(escrowId: string, role: 'buyer' | 'seller'): Promise<Page> {
    const issued = await api.h.call('POST', `/v1/escrows/${escrowId}/party-tokens`, {
      token: api.platform.apiKey,
      body: { role, ttlSeconds: 600 },
    });
    expect(issued.status, issued.text).toBe(201);
    const page = await newPage('vi-VN');
    const link = new URL(issued.body.url);
    await page.goto(`${api.h.stack.apiUrl}${link.pathname}${link.search}`);
    expect(page.url()).toBe(`${api.h.stack.apiUrl}/e/${escrowId}`);
    return page;
  }

  const platformAct = async (escrowId: string, action: string, body?: unknown) => {
    const reply = await api.h.call('POST', `/v1/escrows/${escrowId}/${action}`, {
      token: api.platform.apiKey,
      ...(body === undefined ? {} : { body }),
    });
    expect(reply.status, reply.text).toBe(200);
  };

  /** A file link's bytes, fetched with the page's own cookies. */
  const download = async (page: Page, link: ReturnType<Page['locator']>) => {
    const href = await link.getAttribute('href');
    expect(href).toBeTruthy();
    const reply = await page.context().request.get(new URL(href ?? '', page.url()).toString());
    return {
      status: reply.status(),
      type: reply.headers()['content-type'],
      disposition: reply.headers()['content-disposition'],
      bytes: Buffer.from(await reply.body()),
    };
  };

  it('buyer disputes one item with a photo, seller answers with a PDF, ops split it', async () => {
    const png = tinyPng();
    const pdf = tinyPdf('Bien nhan giao hang');
    const escrow = await api.h.createEscrow(api.platform.apiKey, {
      items: ITEMS,
      description: 'Máy ảnh và phụ kiện',
    });
    await api.h.fund(escrow);
    await platformAct(escrow.id, 'ship', { carrier: 'GHN', trackingNumber: 'GHN987654321' });
    await platformAct(escrow.id, 'deliver');

    // The buyer: the inspection countdown, then a dispute of sku-1 with a photo.
    const buyer = await openAs(escrow.id, 'buyer');
    expect(await textOf(buyer.locator('[data-item="sku-1"] [data-countdown]'))).toMatch(
      /\d+ (ngày|giờ|phút|giây)/,
    );
    await screenshot(buyer, 'dispute-1-buyer-inspecting');
    const dispute = buyer.locator('form[data-action="disputes"]');
    expect(await dispute.getAttribute('enctype')).toBe('multipart/form-data');
    await dispute.getByLabel(/Ống kính Canon 50mm/).check();
    await dispute.getByLabel('Lý do').selectOption('damaged');
    await dispute.getByLabel('Chi tiết').fill('Ống kính bị nứt, ảnh đính kèm.');
    await dispute
      .getByLabel(/Tệp đính kèm/)
      .setInputFiles({ name: 'ong-kinh-nut.png', mimeType: 'image/png', buffer: png });
    await submit(buyer, dispute.getByRole('button', { name: 'Khiếu nại' }));
    expect(await textOf(buyer.locator('.flash-ok'))).toContain('Đã ghi nhận: Khiếu nại');
    expect(await buyer.locator('[data-item="sku-1"]').getAttribute('data-item-status')).toBe(
      'disputed',
    );
    expect(await buyer.locator('[data-item="sku-2"]').getAttribute('data-item-status')).toBe(
      'inspecting',
    );
    const buyerMessage = buyer.locator('#evidence [data-author="buyer"]');
    expect(await textOf(buyerMessage)).toContain('Người mua');
    const photoLink = buyerMessage.getByRole('link', { name: /ong-kinh-nut\.png/ });
    const photo = await download(buyer, photoLink);
    expect(photo.status).toBe(200);
    expect(photo.type).toBe('image/png');
    expect(photo.disposition).toMatch(/^attachment;/);
    expect(photo.bytes.equals(png)).toBe(true);
    await screenshot(buyer, 'dispute-2-buyer-disputed-with-photo');
    await expectAccessible(buyer);

    // The seller: answers the dispute, then adds a PDF through the evidence form.
    const seller = await openAs(escrow.id, 'seller');
    expect(await textOf(seller.locator('#evidence [data-author="buyer"]'))).toContain(
      'ong-kinh-nut.png',
    );
    const respond = seller.locator('form[data-action="disputes/respond"]');
    await respond.getByLabel('Nội dung trả lời').fill('Hàng được đóng gói cẩn thận khi gửi.');
    await submit(seller, respond.getByRole('button', { name: 'Trả lời khiếu nại' }));
    expect(await textOf(seller.locator('.flash-ok'))).toContain('Đã ghi nhận');
    const evidenceForm = seller.locator('form[data-form="dispute-message"]');
    await expectAccessible(seller);
    await evidenceForm.getByLabel('Tin nhắn').fill('Biên nhận giao hàng có chữ ký người mua.');
    await evidenceForm
      .getByLabel(/Tệp đính kèm/)
      .setInputFiles({ name: 'bien-nhan.pdf', mimeType: 'application/pdf', buffer: pdf });
    await submit(seller, evidenceForm.getByRole('button', { name: 'Gửi' }));
    expect(await textOf(seller.locator('.flash-ok'))).toContain('Đã gửi tin nhắn');
    const sellerMessage = seller.locator('#evidence [data-author="seller"]');
    expect(await textOf(sellerMessage)).toContain('Biên nhận giao hàng có chữ ký người mua.');
    const receipt = await download(
      seller,
      sellerMessage.getByRole('link', { name: /bien-nhan\.pdf/ }),
    );
    expect(receipt.type).toBe('application/pdf');
    expect(receipt.bytes.equals(pdf)).toBe(true);
    await screenshot(seller, 'dispute-3-seller-answered-with-pdf');
    await expectAccessible(seller);

    // Ops: log in, the queue, the case with both sides' messages and files, a split.
    const ops = await newPage('en-GB');
    await ops.goto(`${api.h.stack.apiUrl}/ops/login`);
    await expectAccessible(ops);
    await screenshot(ops, 'dispute-4-ops-login');
    await ops.getByLabel('Ops key').fill(api.h.opsKey);
    await submit(ops, ops.getByRole('button', { name: 'Log in' }));
    expect(new URL(ops.url()).pathname).toBe('/ops');
    await expectAccessible(ops);
    await screenshot(ops, 'dispute-5-ops-queue');
    await submit(ops, ops.getByRole('link', { name: escrow.id }).first());
    expect(new URL(ops.url()).pathname).toBe(`/ops/escrows/${escrow.id}`);
    const messages = ops.locator('[data-section="messages"]');
    expect(await textOf(messages.locator('[data-author="buyer"]'))).toContain('ong-kinh-nut.png');
    expect(await textOf(messages.locator('[data-author="seller"]'))).toContain(
      'Biên nhận giao hàng',
    );
    const opsPdf = await download(ops, messages.getByRole('link', { name: 'bien-nhan.pdf' }));
    expect(opsPdf.status).toBe(200);
    expect(opsPdf.bytes.equals(pdf)).toBe(true);
    const opsPng = await download(ops, messages.getByRole('link', { name: 'ong-kinh-nut.png' }));
    expect(opsPng.bytes.equals(png)).toBe(true);
    await expectAccessible(ops);
    await screenshot(ops, 'dispute-6-ops-case');

    await ops.getByRole('radio', { name: 'Split' }).check();
    await ops.getByLabel(/Seller's amount/).fill('600000');
    await submit(ops, ops.getByRole('button', { name: 'Resolve dispute' }));
    expect(await textOf(ops.locator('[data-field="resolution"]'))).toMatch(/^split/);
    await screenshot(ops, 'dispute-7-ops-resolved');

    // Both parties see the outcome.
    for (const [page, name] of [
      [buyer, 'dispute-8-buyer-outcome'],
      [seller, 'dispute-9-seller-outcome'],
    ] as const) {
      await page.reload();
      const outcome = page.locator('[data-outcome="split"]');
      expect(await textOf(outcome)).toContain('Chia tiền giữa hai bên');
      expect(await textOf(outcome.locator('[data-outcome-money="seller"]'))).toMatch(/600\.000\s₫/);
      expect(await textOf(outcome.locator('[data-outcome-money="buyer"]'))).toMatch(/400\.000\s₫/);
      expect(await page.locator('[data-item="sku-1"]').getAttribute('data-item-status')).toBe(
        'split',
      );
      await screenshot(page, name);
      await expectAccessible(page);
    }
  });
});
