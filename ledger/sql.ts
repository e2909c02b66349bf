import type postgres from 'postgres';
import type { Sql } from '../infra/db.js';

type Types = Sql extends postgres.Sql<infer T> ? T : never;

/**
 * Where ledger writes run: the pool, where each call is its own transaction and is retried on
 * deadlock or serialization failure; or a transaction the caller opened to write its own rows
 * with the entry, in which case such a failure aborts that transaction and the caller retries.
 */
export type LedgerSql = Sql | postgres.TransactionSql<Types>;

export function inTransaction(sql: LedgerSql): sql is postgres.TransactionSql<Types> {
  return 'savepoint' in sql;
}
