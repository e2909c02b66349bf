import type { CurrencyTotals } from '../../../ledger/totals.js';
import type { EscrowStatusTotals } from '../../../store/ops-console.js';
import { money } from './format.js';
import { Layout, type PageProps } from './layout.js';

export const MoneyPage = ({
  ledger,
  escrows,
  ...page
}: Omit<PageProps, 'title'> & { ledger: CurrencyTotals[]; escrows: EscrowStatusTotals[] }) => {
  const currencies = [
    ...new Set([...ledger.map((l) => l.currency), ...escrows.map((e) => e.currency)]),
  ].sort();
  return (
    <Layout title="Money" {...page}>
      <p>
        Amounts in minor units of each currency. Held, released, refunded, fees and owed come from
        the ledger; frozen and the payout and refund counts from the escrows' current state.
      </p>
      {currencies.length === 0 ? <p>No money has moved yet.</p> : null}
      {currencies.map((currency) => {
        const l = ledger.find((x) => x.currency === currency);
        const e = escrows.find((x) => x.currency === currency);
        const rows: Array<[string, string, string]> = [
          ['held', 'Held', money(l?.held ?? 0n, currency)],
          ['frozen', 'Frozen by disputes', money(e?.frozen ?? 0n, currency)],
          ['released', 'Released to sellers (fee included)', money(l?.released ?? 0n, currency)],
          ['refunded', 'Refunded to buyers', money(l?.refunded ?? 0n, currency)],
          ['fees', 'Fees earned', money(l?.fees ?? 0n, currency)],
          [
            'seller-payable',
            'Owed to sellers, not paid out',
            money(l?.sellerPayable ?? 0n, currency),
          ],
          [
            'buyer-refundable',
            'Owed to buyers, not refunded',
            money(l?.buyerRefundable ?? 0n, currency),
          ],
          [
            'pending-out',
            'Reserved by payouts and refunds in flight',
            money(l?.pendingOut ?? 0n, currency),
          ],
          ['payouts-pending', 'Payouts pending', String(e?.payoutsPending ?? 0n)],
          ['payouts-failed', 'Payouts failed', String(e?.payoutsFailed ?? 0n)],
          ['refunds-pending', 'Refunds pending', String(e?.refundsPending ?? 0n)],
          ['refunds-failed', 'Refunds failed', String(e?.refundsFailed ?? 0n)],
          ['escrows', 'Escrows', String(e?.escrows ?? 0n)],
          ['attention', 'Needing attention', String(e?.needingAttention ?? 0n)],
        ];
        return (
          <section aria-labelledby={`money-${currency}`}>
            <h2 id={`money-${currency}`}>{currency}</h2>
            <table aria-label={`Money in ${currency}`}>
              <tbody>
                {rows.map(([key, label, value]) => (
                  <tr data-row={key}>
                    <th scope="row">{label}</th>
                    <td class="num">{value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </Layout>
  );
};
