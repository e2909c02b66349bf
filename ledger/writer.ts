import type { Sql } from '../infra/db.js';
import { type GroupCommitOptions, groupCommitter, type Settled } from '../infra/group-commit.js';
import { LedgerError, toLedgerError } from './errors.js';
import { runLedgerTransaction } from './request.js';
import type { LedgerSql } from './sql.js';

/** A ledger_post payload (see entryPayload). */
export type EntryPayload = Record<string, unknown> & { idempotencyKey: string };

export interface EntryResult {
  entryId: string;
  /** False when the idempotency key replayed an earlier entry: nothing moved this time. */
  created: boolean;
}

/** Posts entries through one pool, group-committed: see ledger/README.md, "Group commit". */
export interface LedgerWriter {
  post(payloads: readonly EntryPayload[]): Promise<Settled<EntryResult>[]>;
}

export function createLedgerWriter(sql: Sql, options?: GroupCommitOptions): LedgerWriter {
  const committer = groupCommitter<EntryPayload, EntryResult>(
    (group) => commitGroup(sql, group),
    options,
  );
  return { post: (payloads) => committer.submit(payloads) };
}

const writers = new WeakMap<Sql, LedgerWriter>();

/** The pool's own writer, created on first use: callers of one pool share its groups. */
export function ledgerWriter(sql: Sql): LedgerWriter {
  let writer = writers.get(sql);
  if (!writer) {
    writer = createLedgerWriter(sql);
    writers.set(sql, writer);
  }
  return writer;
}

type GroupResult =
  | EntryResult
  | { error: { code: string; message: string; detail?: string; constraint?: string } };

async function commitGroup(sql: Sql, group: EntryPayload[]): Promise<Settled<EntryResult>[]> {
  if (group.length > 1) {
    try {
      return await callGroup(sql, group);
    } catch {
      // A deadlock, a serialization failure or a lost connection hit the whole group: post its
      // entries one by one (each is idempotent, so one that did commit replays).
    }
  }
  return Promise.all(group.map((payload) => postAlone(sql, payload)));
}

async function postAlone(sql: Sql, payload: EntryPayload): Promise<Settled<EntryResult>> {
  try {
    return { ok: true, value: await postOne(sql, payload) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * One entry, one ledger_post call: in its own transaction on the pool (again on serialization
 * failure or deadlock), or in the caller's, whose rows it then commits with. An entry alone
 * needs no group's subtransaction, which costs about a third of an entry's server CPU.
 */
export async function postOne(sql: LedgerSql, payload: EntryPayload): Promise<EntryResult> {
  return runLedgerTransaction(
    sql,
    async () => {
      const [row] = await sql<{ result: EntryResult }[]>`
        select ledger_post(${sql.json(payload as never)}) as result`;
      if (!row) throw new LedgerError('LEDGER_NO_RESULT', 'ledger_post returned no row');
      return row.result;
    },
    payload,
  );
}

async function callGroup(sql: Sql, group: EntryPayload[]): Promise<Settled<EntryResult>[]> {
  const [row] = await sql<{ results: GroupResult[] }[]>`
    select ledger_post_group(${sql.json(group as never)}) as results`;
  if (!row) throw new LedgerError('LEDGER_NO_RESULT', 'ledger_post_group returned no row');
  return row.results.map((result, i) => {
    if (!('error' in result)) return { ok: true, value: result };
    const { code, message, detail, constraint } = result.error;
    const error = Object.assign(new Error(message), { code, detail, constraint_name: constraint });
    return {
      ok: false,
      error: toLedgerError(error, { idempotencyKey: group[i]?.idempotencyKey }),
    };
  });
}
