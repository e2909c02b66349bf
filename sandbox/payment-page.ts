import { escapeHtml, layout, messagePage, type PageLook, vnd } from './page-layout.js';
import type { SandboxPayment } from './store.js';

const look: PageLook = { rail: 'VNPay 2.1.0 protocol', accent: '#0b7a3e' };

/** The page a buyer sees: the order, and a real form that posts the decision back here. */
export function renderPaymentPage(payment: SandboxPayment, formAction: string): string {
  return layout(
    look,
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

export const renderMessagePage = (title: string, message: string): string =>
  messagePage(look, title, message);
