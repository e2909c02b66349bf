import type { QueueEntry } from '../../../store/ops-console.js';
import { EscrowTable } from './escrow-table.js';
import { Layout, type PageProps } from './layout.js';

export const QueuePage = ({
  attention,
  disputes,
  now,
  ...page
}: Omit<PageProps, 'title'> & { attention: QueueEntry[]; disputes: QueueEntry[]; now: number }) => (
  <Layout title="Queue" {...page}>
    <section aria-labelledby="attention-heading">
      <h2 id="attention-heading">Needs attention</h2>
      {attention.length === 0 ? (
        <p>Nothing is flagged for attention.</p>
      ) : (
        <EscrowTable label="Needs attention" escrows={attention} reasons now={now} />
      )}
    </section>
    <section aria-labelledby="disputes-heading">
      <h2 id="disputes-heading">Open disputes</h2>
      {disputes.length === 0 ? (
        <p>No open disputes.</p>
      ) : (
        <EscrowTable label="Open disputes" escrows={disputes} dispute now={now} />
      )}
    </section>
  </Layout>
);
