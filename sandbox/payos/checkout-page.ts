import type { SandboxPayosPayment } from '../store.js';
import { qrCodeOf, receivingAccount } from './payment-links.js';

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Sandbox payOS</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1f2933; }
.note { color: #7b8794; font-size: .85rem; }
.qr { font-family: ui-monospace, monospace; font-size: .75rem; word-break: break-all; border: 2px dashed #9aa5b1; padding: .8rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { color: #52606d; }
button { font-size: 1rem; padding: .6rem 1.4rem; margin-right: .6rem; border-radius: .3rem; border: 1px solid #9aa5b1; cursor: pointer; }
button[value=success] { background: #0b7a3e; color: #fff; border-color: #0b7a3e; }
</style>
</head>
<body>
<p class="note">Sandbox payOS (VietQR bank transfer). No real money moves.</p>
${body}
</body>
</html>`;
}

/** payOS's checkout screen: the account to transfer to, the QR payload, and the two choices. */
export function renderCheckoutPage(link: SandboxPayosPayment, formAction: string): string {
  const amount = `${BigInt(link.amount).toLocaleString('en-US')} VND`;
  return layout(
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
  layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
