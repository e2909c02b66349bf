import type { SandboxPayment } from './store.js';

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

const vnd = (amount: string) => `${BigInt(amount).toLocaleString('en-US')} VND`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Sandbox PSP</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1f2933; }
.note { color: #7b8794; font-size: .85rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { color: #52606d; }
button { font-size: 1rem; padding: .6rem 1.4rem; margin-right: .6rem; border-radius: .3rem; border: 1px solid #9aa5b1; cursor: pointer; }
button[value=success] { background: #0b7a3e; color: #fff; border-color: #0b7a3e; }
</style>
</head>
<body>
<p class="note">Sandbox PSP (VNPay 2.1.0 protocol). No real money moves.</p>
${body}
</body>
</html>`;
}

/** The page a buyer sees: the order, and a real form that posts the decision back here. */
export function renderPaymentPage(payment: SandboxPayment, formAction: string): string {
  return layout(
    'Pay',
    `<h1>Pay ${escapeHtml(vnd(payment.amount))}</h1>
<dl>
<dt>Order</dt><dd>${escapeHtml(payment.orderInfo)}</dd>
<dt>Reference</dt><dd>${escapeHtml(payment.txnRef)}</dd>
<dt>Bank</dt><dd>${escapeHtml(payment.bankCode)}</dd>
</dl>
<form method="post" action="${escapeHtml(formAction)}">
<button type="submit" name="outcome" value="success">Pay</button>
<button type="submit" name="outcome" value="decline">Decline</button>
</form>`,
  );
}

export function renderMessagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
