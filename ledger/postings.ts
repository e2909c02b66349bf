import { canonicalJson } from '../infra/canonical-json.js';
import type { Tx as TransactionSql } from '../infra/db.js';
import {
  type AccountRef,
  type AccountRow,
  accountColumns,
  accountRefOf,
  assertAccountRef,
} from './accounts.js';
import { InvalidEntryError, LedgerError } from './errors.js';
import { requestHash } from './request.js';
import { inTransaction, type LedgerSql } from './sql.js';
import { type EntryPayload, type EntryResult, ledgerWriter, postOne } from './writer.js';

export type { EntryResult } from './writer.js';

export const ENTRY_KINDS = [
  'funding',
  'release',
  'refund',
  'refund_payout',
  'payout',
  'reversal',
  'adjustment',
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export interface Posting {
  account: AccountRef;
  /** Signed minor units: the account's balance moves by exactly this much. */
  amount: bigint;
}

export interface EntryInput {
  platformId: string;
  /** Unique per platform; retrying with the same key and content is safe. */
  idempotencyKey: string;
  kind: EntryKind;
  /** Defaults to the escrow whose holding account the entry touches. */
  escrowId?: string;
  postings: Posting[];
  metadata?: Record<string, unknown>;
}

const MAX_LEGS = 64;
const INT8_MAX = 2n ** 63n - 1n;

/** Checks the request before it costs a round trip; the database enforces the same rules. */
function validateEntry(input: EntryInput): { escrowId: string | undefined } {
  if (typeof input.platformId !== 'string' || input.platformId.length === 0) {
    throw new InvalidEntryError('platformId is required');
  }
  if (
    typeof input.idempotencyKey !== 'string' ||
    input.idempotencyKey.length === 0 ||
    input.idempotencyKey.length > 255
  ) {
    throw new InvalidEntryError('idempotencyKey must be 1 to 255 characters');
  }
  if (!ENTRY_KINDS.includes(input.kind)) {
    throw new InvalidEntryError(`unknown entry kind ${String(input.kind)}`);
  }
  if (
    !Array.isArray(input.postings) ||
    input.postings.length < 2 ||
    input.postings.length > MAX_LEGS
  ) {
    throw new InvalidEntryError(`an entry has 2 to ${MAX_LEGS} postings`);
  }
  const sums = new Map<string, bigint>();
  const escrows = new Set<string>();
  for (const { account, amount } of input.postings) {
    assertAccountRef(account);
    if (typeof amount !== 'bigint' || amount === 0n || amount > INT8_MAX || amount < -INT8_MAX) {
      throw new InvalidEntryError(
        `posting amounts are non-zero bigint minor units, not ${String(amount)}`,
      );
    }
    sums.set(account.currency, (sums.get(account.currency) ?? 0n) + amount);
    if (account.kind === 'escrow_holding') escrows.add(account.escrowId);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n)
      throw new InvalidEntryError(`postings do not sum to zero in ${currency} (${sum})`);
  }
  if (escrows.size > 1)
    throw new InvalidEntryError('an entry moves the money of one escrow at most');
  const [holdingEscrow] = escrows;
  if (
    holdingEscrow !== undefined &&
    input.escrowId !== undefined &&
    input.escrowId !== holdingEscrow
  ) {
    throw new InvalidEntryError(
      `escrowId ${input.escrowId} but the entry holds for ${holdingEscrow}`,
    );
  }
  if (input.metadata !== undefined) {
    if (
      typeof input.metadata !== 'object' ||
      input.metadata === null ||
      Array.isArray(input.metadata)
    ) {
      throw new InvalidEntryError('metadata must be a plain object');
    }
  }
  return { escrowId: input.escrowId ?? holdingEscrow };
}

/** The JSON the posting functions of migration 0013 take, with its request hash. */
export function entryPayload(
  input: EntryInput,
  phase: 'final' | 'pending',
  reversesEntryId?: string,
): EntryPayload {
  const { escrowId } = validateEntry(input);
  const legs = input.postings.map(({ account, amount }) => ({
    ...accountColumns(account),
    amount: amount.toString(),
  }));
  // Metadata goes through canonical JSON so bigints in it become strings, as they are stored.
  const metadata = JSON.parse(canonicalJson(input.metadata ?? {})) as Record<string, unknown>;
  const content = { phase, kind: input.kind, escrowId, reversesEntryId, legs, metadata };
  return {
    ...content,
    platformId: input.platformId,
    idempotencyKey: input.idempotencyKey,
    requestHash: requestHash(content),
  };
}

/**
 * Posts one balanced journal entry, atomically. Idempotent by (platformId, idempotencyKey).
 * With the pool, concurrent calls share a transaction (group commit, one subtransaction per
 * entry); inside the caller's transaction, it commits with the caller's rows. Throws
 * InsufficientFundsError, IdempotencyConflictError, UnknownCurrencyError, CurrencyMismatchError,
 * PlatformMismatchError or InvalidEntryError.
 */
export async function postEntry(sql: LedgerSql, input: EntryInput): Promise<EntryResult> {
  return callPost(sql, entryPayload(input, 'final'));
}

/**
 * Posts several entries of one caller (a cart, a split) in one group: each is settled on its own,
 * as if posted alone. Inside the caller's transaction each gets a savepoint, so a refused one
 * leaves the others (and the caller's rows) in place.
 */
export async function postEntries(
  sql: LedgerSql,
  inputs: readonly EntryInput[],
): Promise<PromiseSettledResult<EntryResult>[]> {
  const payloads: (EntryPayload | Error)[] = inputs.map((input) => {
    try {
      return entryPayload(input, 'final');
    } catch (error) {
      return error as Error;
    }
  });
  const valid = payloads.filter((p): p is EntryPayload => !(p instanceof Error));
  const posted = inTransaction(sql)
    ? await savepointEach(sql, valid)
    : (await ledgerWriter(sql).post(valid)).map(
        (s): PromiseSettledResult<EntryResult> =>
          s.ok ? { status: 'fulfilled', value: s.value } : { status: 'rejected', reason: s.error },
      );
  return payloads.map((p) =>
    p instanceof Error ? { status: 'rejected', reason: p } : (posted.shift() as never),
  );
}

async function savepointEach(
  tx: TransactionSql,
  payloads: EntryPayload[],
): Promise<PromiseSettledResult<EntryResult>[]> {
  const settled: PromiseSettledResult<EntryResult>[] = [];
  for (const payload of payloads) {
    try {
      settled.push({
        status: 'fulfilled',
        value: await tx.savepoint(() => postOne(tx, payload)),
      });
    } catch (reason) {
      settled.push({ status: 'rejected', reason });
    }
  }
  return settled;
}

export async function callPost(sql: LedgerSql, payload: EntryPayload): Promise<EntryResult> {
  if (inTransaction(sql)) return postOne(sql, payload);
  const [settled] = await ledgerWriter(sql).post([payload]);
  if (!settled) throw new LedgerError('LEDGER_NO_RESULT', 'the ledger writer returned no result');
  if (!settled.ok) throw settled.error;
  return settled.value;
}

/**
 * Corrects a posted entry by posting its exact opposite (entries are never edited). An entry
 * is reversed at most once; reversing needs the money to still be there.
 */
export async function reverseEntry(
  sql: LedgerSql,
  input: {
    platformId: string;
    entryId: string;
    idempotencyKey: string;
    metadata?: Record<string, unknown>;
  },
): Promise<EntryResult> {
  const rows = await sql<
    (AccountRow & {
      amount: bigint;
      entry_escrow_id: string | null;
      reversed_by: bigint | null;
    })[]
  >`
    select a.kind, a.currency, a.platform_id, a.escrow_id, a.seller_id, a.provider, p.amount,
           e.escrow_id as entry_escrow_id,
           (select r.id from ledger_entries r where r.reverses_entry_id = e.id) as reversed_by
      from ledger_entries e
      join ledger_postings p on p.entry_id = e.id
      join ledger_accounts a on a.id = p.account_id
     where e.id = ${input.entryId} and e.platform_id = ${input.platformId}
     order by p.leg`;
  if (rows.length === 0) {
    throw new InvalidEntryError(
      `no posted entry ${input.entryId} for platform ${input.platformId}`,
    );
  }
  const reversedBy = rows[0]?.reversed_by;
  if (reversedBy !== null && reversedBy !== undefined) {
    // Retrying the same reversal is a replay; the database refuses any second reversal.
    const [replay] = await sql<{ id: bigint }[]>`
      select id from ledger_entries
       where id = ${reversedBy.toString()} and idempotency_key = ${input.idempotencyKey}`;
    if (!replay)
      throw new InvalidEntryError(
        `entry ${input.entryId} was already reversed by entry ${reversedBy}`,
      );
  }
  const entry: EntryInput = {
    platformId: input.platformId,
    idempotencyKey: input.idempotencyKey,
    kind: 'reversal',
    escrowId: rows[0]?.entry_escrow_id ?? undefined,
    postings: rows.map((r) => ({ account: accountRefOf(r), amount: -r.amount })),
    metadata: input.metadata,
  };
  return callPost(sql, entryPayload(entry, 'final', input.entryId));
}
