import { EVIDENCE_MAX_FILE_BYTES, EVIDENCE_MAX_FILES } from '../../../domain/evidence.js';
import type { EscrowView } from '../../../domain/view.js';
import type { EscrowEventRecord } from '../../../store/escrow-queries.js';
import type { CaseMessage } from '../case-messages.js';
import { age, money, when } from './format.js';
import { CsrfField, Layout, type PageProps } from './layout.js';

export interface CaseProps extends Omit<PageProps, 'title'> {
  view: EscrowView;
  events: EscrowEventRecord[];
  messages: CaseMessage[];
  csrf: string;
  /** A fresh id per rendered form: a double submit is one Update (Temporal's update id). */
  formId: string;
  now: number;
}

const actorOfEvent = (data: Record<string, unknown>): string =>
  typeof data.actorId === 'string'
    ? data.actorId
    : typeof data.by === 'string'
      ? data.by
      : 'system';

export const CasePage = ({ view, events, messages, csrf, formId, now, ...page }: CaseProps) => {
  const m = view.money;
  const c = view.currency;
  const canResolve = view.allowedActions.includes('resolveDispute');
  const base = `/ops/escrows/${encodeURIComponent(view.id)}`;
  return (
    <Layout title={`Escrow ${view.id}`} csrf={csrf} {...page}>
      <section aria-labelledby="terms-heading">
        <h2 id="terms-heading">Terms</h2>
        <dl>
          <dt>Status</dt>
          <dd data-field="status">
            {view.status} (for {age(view.statusSince, now)})
          </dd>
          <dt>Platform</dt>
          <dd>{view.platformId}</dd>
          <dt>Reference</dt>
          <dd data-field="reference">{view.reference}</dd>
          <dt>Buyer</dt>
          <dd>{view.buyerId}</dd>
          <dt>Seller</dt>
          <dd>{view.sellerId}</dd>
          <dt>Description</dt>
          <dd>{view.description}</dd>
          <dt>Amount</dt>
          <dd>{money(view.amount, c)}</dd>
          <dt>Fee</dt>
          <dd>{money(view.fee, c)}</dd>
          <dt>Payment method</dt>
          <dd>{view.paymentMethod}</dd>
          <dt>Release</dt>
          <dd>{view.release}</dd>
          <dt>Needs attention</dt>
          <dd data-field="attention">
            {view.needsAttention ? view.attentionReasons.join(', ') : 'no'}
          </dd>
        </dl>
      </section>

      <section aria-labelledby="money-heading">
        <h2 id="money-heading">Money</h2>
        <table aria-label="Escrow money">
          <tbody>
            {(
              [
                ['Funded', m.funded],
                ['Held', m.held],
                ['Frozen', m.frozen],
                ['Releasable', m.releasable],
                ['Released', m.released],
                ['Fees', m.fees],
                ['Refunded', m.refunded],
              ] as const
            ).map(([label, value]) => (
              <tr>
                <th scope="row">{label}</th>
                <td class="num">{money(value, c)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="items-heading">
        <h2 id="items-heading">Items</h2>
        <table aria-label="Items">
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Description</th>
              <th scope="col" class="num">
                Quantity
              </th>
              <th scope="col" class="num">
                Amount
              </th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Held
              </th>
              <th scope="col" class="num">
                Frozen
              </th>
              <th scope="col" class="num">
                Released
              </th>
              <th scope="col" class="num">
                Refunded
              </th>
            </tr>
          </thead>
          <tbody>
            {view.items.map((item) => (
              <tr data-item-id={item.id}>
                <td>{item.id}</td>
                <td>{item.description ?? ''}</td>
                <td class="num">{String(item.quantity ?? 1)}</td>
                <td class="num">{money(item.amount, c)}</td>
                <td>{item.status}</td>
                <td class="num">{money(item.money.held, c)}</td>
                <td class="num">{money(item.money.frozen, c)}</td>
                <td class="num">{money(item.money.released, c)}</td>
                <td class="num">{money(item.money.refunded, c)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="dispute-heading">
        <h2 id="dispute-heading">Dispute</h2>
        {view.dispute ? (
          <dl>
            <dt>Reason</dt>
            <dd data-field="dispute-reason">{view.dispute.reason}</dd>
            <dt>Details</dt>
            <dd>{view.dispute.details || '—'}</dd>
            <dt>Opened</dt>
            <dd>
              {when(view.dispute.openedAt)} by {view.dispute.openedBy ?? 'buyer'} (
              {age(view.dispute.openedAt, now)} ago)
            </dd>
            <dt>Items</dt>
            <dd>
              {view.dispute.items?.join(', ') ?? 'all'}
              {view.dispute.amount !== undefined
                ? `, ${money(view.dispute.amount, c)} of them`
                : ''}
            </dd>
            <dt>Seller's response</dt>
            <dd data-field="seller-response">
              {view.dispute.sellerResponse
                ? `${view.dispute.sellerResponse.message} (${when(view.dispute.sellerResponse.at)})`
                : 'none yet'}
            </dd>
            <dt>Escalated</dt>
            <dd>{view.dispute.escalated ? 'yes' : 'no'}</dd>
            <dt>Resolution</dt>
            <dd data-field="resolution">
              {view.dispute.resolution
                ? `${view.dispute.resolution.outcome}: seller ${money(view.dispute.resolution.sellerAmount, c)}, buyer ${money(view.dispute.resolution.buyerAmount, c)} (${when(view.dispute.resolution.at)})`
                : 'open'}
            </dd>
          </dl>
        ) : (
          <p>No dispute.</p>
        )}
      </section>

      <section aria-labelledby="messages-heading" data-section="messages">
        <h2 id="messages-heading">Messages and evidence</h2>
        {messages.length === 0 ? (
          <p>No messages yet.</p>
        ) : (
          <ol>
            {messages.map((msg) => (
              <li data-message={msg.id} data-author={msg.author}>
                <strong>{msg.author}</strong> ({msg.actorId}, {when(msg.at)}, event #
                {String(msg.seq)}){msg.body ? `: ${msg.body}` : ''}
                {msg.files.length > 0 ? (
                  <ul aria-label={`Files from ${msg.author}`}>
                    {msg.files.map((file) => (
                      <li data-file={file.id}>
                        <a href={`${base}/files/${encodeURIComponent(file.id)}`}>{file.name}</a> (
                        {file.contentType}, {String(file.size)} bytes, SHA-256{' '}
                        <code>{file.sha256}</code>)
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ol>
        )}
        {view.dispute ? (
          <form
            method="post"
            action={`${base}/messages`}
            enctype="multipart/form-data"
            data-form="case-message"
          >
            <CsrfField token={csrf} />
            <input type="hidden" name="formId" value={formId} />
            <p>
              <label for="message-text">Message to both sides</label>
              <textarea id="message-text" name="text" maxlength={5000} />
            </p>
            <p>
              <label for="message-files">
                Files (JPEG, PNG, WebP or PDF; at most{' '}
                {String(EVIDENCE_MAX_FILE_BYTES / 1024 / 1024)} MB each,{' '}
                {String(EVIDENCE_MAX_FILES)} per dispute)
              </label>
              <input
                id="message-files"
                name="files"
                type="file"
                multiple
                accept="image/jpeg,image/png,image/webp,application/pdf"
              />
            </p>
            <p>
              <button type="submit">Add message</button>
            </p>
          </form>
        ) : null}
      </section>

      <section aria-labelledby="resolve-heading">
        <h2 id="resolve-heading">Resolve</h2>
        {canResolve ? (
          <form method="post" action={`${base}/resolve`}>
            <CsrfField token={csrf} />
            <input type="hidden" name="formId" value={formId} />
            <fieldset>
              <legend>Outcome</legend>
              <input type="radio" id="outcome-release" name="outcome" value="release" required />
              <label for="outcome-release">Release to the seller</label>
              <input type="radio" id="outcome-refund" name="outcome" value="refund" />
              <label for="outcome-refund">Refund the buyer</label>
              <input type="radio" id="outcome-split" name="outcome" value="split" />
              <label for="outcome-split">Split</label>
            </fieldset>
            <p>
              <label for="sellerAmount">Seller's amount (split only, minor units of {c})</label>
              <input
                id="sellerAmount"
                name="sellerAmount"
                type="number"
                min={1}
                step={1}
                inputmode="numeric"
              />
            </p>
            <p>
              <button type="submit">Resolve dispute</button>
            </p>
          </form>
        ) : (
          <p>Nothing to resolve now.</p>
        )}
      </section>

      <section aria-labelledby="payout-heading">
        <h2 id="payout-heading">Payout and refunds</h2>
        <dl>
          <dt>Payout</dt>
          <dd data-field="payout">
            {view.payout.status}, {money(view.payout.amount, c)}, {String(view.payout.attempts)}{' '}
            attempt(s){view.payout.lastError ? `; last error: ${view.payout.lastError}` : ''}
          </dd>
        </dl>
        {view.refunds.length > 0 ? (
          <table aria-label="Refunds">
            <thead>
              <tr>
                <th scope="col">Refund</th>
                <th scope="col" class="num">
                  Amount
                </th>
                <th scope="col">Reason</th>
                <th scope="col">Status</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {view.refunds.map((r) => (
                <tr>
                  <td>{r.id}</td>
                  <td class="num">{money(r.amount, c)}</td>
                  <td>{r.reason}</td>
                  <td>{r.status}</td>
                  <td>{r.lastError ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>No refunds.</p>
        )}
        {view.allowedActions.includes('retryPayout') ? (
          <form method="post" action={`${base}/retry-payout`}>
            <CsrfField token={csrf} />
            <input type="hidden" name="formId" value={formId} />
            <button type="submit">Retry payout</button>
          </form>
        ) : null}
        {view.allowedActions.includes('retryRefund') ? (
          <form method="post" action={`${base}/retry-refund`}>
            <CsrfField token={csrf} />
            <input type="hidden" name="formId" value={formId} />
            <button type="submit">Retry refund</button>
          </form>
        ) : null}
      </section>

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <table aria-label="Timeline">
          <thead>
            <tr>
              <th scope="col" class="num">
                #
              </th>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Status after</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr data-seq={String(e.seq)}>
                <td class="num">{String(e.seq)}</td>
                <td>{when(e.occurredAt)}</td>
                <td>{e.type}</td>
                <td>{e.status}</td>
                <td>{actorOfEvent(e.data)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
};
