import type { QueueEntry } from '../../../store/ops-console.js';
import { EscrowTable } from './escrow-table.js';
import { Layout, type PageProps } from './layout.js';

export const SearchPage = ({
  query,
  results,
  now,
  ...page
}: Omit<PageProps, 'title'> & {
  query: string;
  results: QueueEntry[] | undefined;
  now: number;
}) => (
  <Layout title="Search" {...page}>
    <search>
      <form method="get" action="/ops/search">
        <label for="q">Escrow id, reference, buyer or seller</label>
        <input id="q" name="q" type="search" value={query} maxlength={200} required />{' '}
        <button type="submit">Search</button>
      </form>
    </search>
    {results === undefined ? null : (
      <section aria-labelledby="results-heading">
        <h2 id="results-heading">Results</h2>
        {results.length === 0 ? (
          <p>No escrow has that id, reference, buyer or seller.</p>
        ) : (
          <EscrowTable label="Search results" escrows={results} now={now} />
        )}
      </section>
    )}
  </Layout>
);
