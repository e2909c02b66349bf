import {
  CASE_RECORD_FORMAT,
  type CaseRecord,
  chainSummary,
  signCaseRecord,
} from '../infra/case-record.js';
import type { CaseSigningKey } from '../infra/case-signing.js';
import type { Sql } from '../infra/db.js';
import { escrowLedgerEntries } from '../ledger/escrow-entries.js';
import { chainEscrow, readChain } from './case-chain.js';
import { listEvidenceFiles } from './dispute-evidence.js';

/**
 * The escrow's case record, signed (infra/case-record.ts): its terms, every event with its
 * hashes, the evidence files' hashes and its ledger entries, read in one repeatable-read
 * transaction so they belong together. Undefined when the escrow does not exist.
 */
export async function buildCaseRecord(
  sql: Sql,
  escrowId: string,
  key: CaseSigningKey,
  now = new Date(),
): Promise<CaseRecord | undefined> {
  // An escrow with rows from before the chain gets its chain first (as case:backfill would).
  const [unchained] = await sql`
    select 1 from escrow_events where escrow_id = ${escrowId} and hash is null limit 1`;
  if (unchained) await sql.begin((tx) => chainEscrow(tx, escrowId));
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const [row] = await tx<{ terms: unknown; view: { terms?: unknown } }[]>`
      select terms, view from escrows where id = ${escrowId}`;
    if (!row) return undefined;
    const db = tx as unknown as Sql;
    const [events, evidence, ledger] = [
      await readChain(tx, escrowId),
      await listEvidenceFiles(db, escrowId),
      await escrowLedgerEntries(tx, escrowId),
    ];
    return signCaseRecord(
      {
        format: CASE_RECORD_FORMAT,
        escrowId,
        exportedAt: now.toISOString(),
        terms: row.terms ?? row.view.terms ?? null,
        events,
        evidence,
        ledger,
        chain: chainSummary(events),
      },
      key,
    );
  });
}
