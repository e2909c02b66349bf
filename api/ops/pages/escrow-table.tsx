import type { QueueEntry } from '../../../store/ops-console.js';
import { age, money } from './format.js';

/** A list of escrows with a link to each case; `reasons` adds the attention reasons column. */
export const EscrowTable = ({
  label,
  escrows,
  reasons = false,
  dispute = false,
  now,
}: {
  label: string;
  escrows: QueueEntry[];
  reasons?: boolean;
  dispute?: boolean;
  now: number;
}) => (
  <table aria-label={label}>
    <thead>
      <tr>
        <th scope="col">Escrow</th>
        <th scope="col">Reference</th>
        <th scope="col">Platform</th>
        <th scope="col">Status</th>
        <th scope="col" class="num">
          Amount
        </th>
        {reasons ? <th scope="col">Reasons</th> : null}
        {dispute ? <th scope="col">Dispute</th> : null}
        <th scope="col">Waiting</th>
      </tr>
    </thead>
    <tbody>
      {escrows.map((e) => (
        <tr data-escrow-id={e.id}>
          <td>
            <a href={`/ops/escrows/${encodeURIComponent(e.id)}`}>{e.id}</a>
          </td>
          <td>{e.reference}</td>
          <td>{e.platformId}</td>
          <td>{e.status}</td>
          <td class="num">{money(e.view.amount, e.view.currency)}</td>
          {reasons ? <td>{e.view.attentionReasons.join(', ')}</td> : null}
          {dispute ? <td>{e.view.dispute?.reason ?? '—'}</td> : null}
          <td>
            {dispute
              ? age(e.view.dispute?.openedAt ?? e.updatedAt, now)
              : reasons
                ? age(e.updatedAt, now)
                : age(e.view.statusSince ?? e.updatedAt, now)}
          </td>
        </tr>
      ))}
    </tbody>
  </table>
);
