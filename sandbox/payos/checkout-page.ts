import { escapeHtml, layout, messagePage, type PageLook, vnd } from '../page-layout.js';
import type { SandboxPayosPayment } from '../store.js';
import { qrCodeOf, receivingAccount } from './payment-links.js';

const look: PageLook = {
  rail: 'payOS, VietQR bank transfer',
  accent: '#0b7a3e',
  lang: 'vi',
  css: '.qr { font-family: ui-monospace, monospace; font-size: .75rem; word-break: break-all; border: 2px dashed #9aa5b1; padding: .8rem; }',
};

/** payOS's checkout screen: the account to transfer to, the QR payload, and the two choices. */
export function renderCheckoutPage(link: SandboxPayosPayment, formAction: string): string {
  const amount = vnd(link.amount);
  return layout(
    look,
    'Chuyển khoản',
    `<h1>Transfer ${escapeHtml(amount)}</h1>
<p>Scan the VietQR code in your banking app, or transfer by hand:</p>
<div class="qr">${escapeHtml(qrCodeOf(link))}</div>
<dl>
<dt>Bank (BIN)</dt><dd>${receivingAccount.bin}</dd>
<dt>Account</dt><dd>${receivingAccount.accountNumber}</dd>
<dt>Account name</dt><dd>${receivingAccount.accountName}</dd>
<dt>Amount</dt><dd>${escapeHtml(amount)}</dd>
<dt>Description</dt><dd>${escapeHtml(link.description)}</dd>
<dt>Order code</dt><dd>${link.orderCode}</dd>
</dl>
<form method="post" action="${escapeHtml(formAction)}">
<button type="submit" name="outcome" value="success">I have paid</button>
<button type="submit" name="outcome" value="decline">Cancel</button>
</form>`,
  );
}

export const renderLinkMessage = (title: string, message: string): string =>
  messagePage(look, title, message);
