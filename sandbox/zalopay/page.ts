import { escapeHtml, layout, messagePage, type PageLook, vnd } from '../page-layout.js';
import type { SandboxZalopayOrder } from '../store.js';

const look: PageLook = { rail: 'ZaloPay v2 protocol', accent: '#0068ff' };

/** The ZaloPay gateway page: the order, and a form that posts the buyer's decision back. */
export function renderZalopayPage(order: SandboxZalopayOrder, formAction: string): string {
  const amount = vnd(order.amount);
  return layout(
    look,
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

export const renderZalopayMessage = (title: string, message: string): string =>
  messagePage(look, title, message);
