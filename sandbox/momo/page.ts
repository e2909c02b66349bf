import { escapeHtml, layout, type PageLook, vnd } from '../page-layout.js';
import type { SandboxMomoPayment } from '../store.js';

const look: PageLook = { rail: 'MoMo v2 gateway protocol', accent: '#a50064' };

/** MoMo's payment page as the sandbox plays it: the order, and a form posting the decision. */
export function renderMomoPage(payment: SandboxMomoPayment, formAction: string): string {
  const hold = payment.autoCapture
    ? ''
    : '<p class="note">Authorisation only: the amount is held until the merchant captures it.</p>';
  return layout(
    look,
    'MoMo',
    `<h1>Pay ${escapeHtml(vnd(payment.amount))} with MoMo</h1>
<dl>
<dt>Order</dt><dd>${escapeHtml(payment.orderInfo)}</dd>
<dt>Reference</dt><dd>${escapeHtml(payment.orderId)}</dd>
</dl>
${hold}
<form method="post" action="${escapeHtml(formAction)}">
<button type="submit" name="outcome" value="success">Confirm payment</button>
<button type="submit" name="outcome" value="decline">Decline</button>
</form>`,
  );
}
