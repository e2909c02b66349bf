import type { SandboxMomoPayment } from '../store.js';

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

const vnd = (amount: string) => `${BigInt(amount).toLocaleString('en-US')} VND`;

/** MoMo's payment page as the sandbox plays it: the order, and a form posting the decision. */
export function renderMomoPage(payment: SandboxMomoPayment, formAction: string): string {
  const hold = payment.autoCapture
    ? ''
    : '<p class="note">Authorisation only: the amount is held until the merchant captures it.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MoMo · Sandbox PSP</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1f2933; }
.note { color: #7b8794; font-size: .85rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
button { font-size: 1rem; padding: .6rem 1.4rem; margin-right: .6rem; border-radius: .3rem; border: 1px solid #9aa5b1; cursor: pointer; }
button[value=success] { background: #a50064; color: #fff; border-color: #a50064; }
</style>
</head>
<body>
<p class="note">Sandbox PSP (MoMo v2 gateway protocol). No real money moves.</p>
<h1>Pay ${escapeHtml(vnd(payment.amount))} with MoMo</h1>
<dl>
<dt>Order</dt><dd>${escapeHtml(payment.orderInfo)}</dd>
<dt>Reference</dt><dd>${escapeHtml(payment.orderId)}</dd>
</dl>
${hold}
<form method="post" action="${escapeHtml(formAction)}">
<button type="submit" name="outcome" value="success">Confirm payment</button>
<button type="submit" name="outcome" value="decline">Decline</button>
</form>
</body>
</html>`;
}
