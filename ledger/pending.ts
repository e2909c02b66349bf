import { canonicalJson } from '../infra/canonical-json.js';
import { InvalidEntryError, LedgerError } from './errors.js';
import { callPost, type EntryInput, type EntryResult, entryPayload } from './postings.js';
import { requestHash, runLedgerTransaction } from './request.js';
import type { LedgerSql } from './sql.js';

/**
 * Two-phase entries, for PSP operations whose outcome is not known yet (a payout or a refund in
 * flight). Creating one reserves its outgoing legs: they count against the available balance of
 * guarded accounts but move nothing. It is then resolved exactly once: posted (in full, or in
 * part for a two-leg entry, the rest being released) or voided.
 */
export async function createPendingEntry(sql: LedgerSql, input: EntryInput): Promise<EntryResult> {
  return callPost(sql, entryPayload(input, 'pending'));
}

export interface ResolvePendingInput {
  pendingEntryId: string;
  /** Unique per platform, like any entry's key: the same resolution retried is a no-op. */
  idempotencyKey: string;
  metadata?: Record<string, unknown>;
}

/** Settles a pending entry: the whole reservation, or `amount` of a two-leg one. */
export async function postPendingEntry(
  sql: LedgerSql,
  input: ResolvePendingInput & { amount?: bigint },
): Promise<EntryResult> {
  if (input.amount !== undefined && (typeof input.amount !== 'bigint' || input.amount <= 0n)) {
    throw new InvalidEntryError('a partial post amount is a positive bigint');
  }
  return resolve(sql, input, 'post', input.amount);
}

/** Releases a pending entry's whole reservation; nothing moves. */
export async function voidPendingEntry(
  sql: LedgerSql,
  input: ResolvePendingInput,
): Promise<EntryResult> {
  return resolve(sql, input, 'void', undefined);
}

async function resolve(
  sql: LedgerSql,
  input: ResolvePendingInput,
  action: 'post' | 'void',
  amount: bigint | undefined,
): Promise<EntryResult> {
  if (!/^[1-9][0-9]{0,18}$/.test(input.pendingEntryId)) {
    throw new InvalidEntryError(`not an entry id: ${input.pendingEntryId}`);
  }
  if (input.idempotencyKey.length === 0 || input.idempotencyKey.length > 255) {
    throw new InvalidEntryError('idempotencyKey must be 1 to 255 characters');
  }
  const content = {
    action,
    pendingEntryId: input.pendingEntryId,
    amount: amount?.toString(),
    metadata: JSON.parse(canonicalJson(input.metadata ?? {})) as Record<string, unknown>,
  };
  const payload = {
    ...content,
    idempotencyKey: input.idempotencyKey,
    requestHash: requestHash(content),
  };
  return runLedgerTransaction(
    sql,
    async () => {
      const [row] = await sql<{ result: EntryResult }[]>`
      select ledger_resolve(${sql.json(payload as never)}) as result`;
      if (!row) throw new LedgerError('LEDGER_NO_RESULT', 'ledger_resolve returned no row');
      return row.result;
    },
    input,
  );
}
