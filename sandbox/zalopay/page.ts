import type { SandboxZalopayOrder } from '../store.js';

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Sandbox ZaloPay</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1f2933; }
.note { color: #7b8794; font-size: .85rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { color: #52606d; }
button { font-size: 1rem; padding: .6rem 1.4rem; margin-right: .6rem; border-radius: .3rem; border: 1px solid #9aa5b1; cursor: pointer; }
button[value=success] { background: #0068ff; color: #fff; border-color: #0068ff; }
</style>
</head>
<body>
<p class="note">Sandbox PSP (ZaloPay v2 protocol). No real money moves.</p>
${body}
</body>
</html>`;
}

/** The ZaloPay gateway page: the order, and a form that posts the buyer's decision back. */
export function renderZalopayPage(order: SandboxZalopayOrder, formAction: string): string {
  const amount = `${BigInt(order.amount).toLocaleString('en-US')} VND`;
  return layout(
    'Pay',
    `<h1>Pay ${escapeHtml(amount)}</h1>
<dl>
<dt>Order</dt><dd>${escapeHtml(order.description)}</dd>
<dt>app_trans_id</dt><dd>${escapeHtml(order.appTransId)}</dd>
<dt>Wallet</dt><dd>ZaloPay (sandbox)</dd>
</dl>
<form method="post" action="${escapeHtml(formAction)}">
<button type="submit" name="outcome" value="success">Pay</button>
<button type="submit" name="outcome" value="decline">Decline</button>
</form>`,
  );
}

export function renderZalopayMessage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
