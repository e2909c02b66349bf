import { createHash } from 'node:crypto';
import { canonicalJson } from '../infra/canonical-json.js';
import { isRetryable, toLedgerError } from './errors.js';
import { inTransaction, type LedgerSql } from './sql.js';

/** What an idempotency key is bound to: same key with another hash is a conflict. */
export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

const MAX_ATTEMPTS = 10;

/**
 * Runs one ledger call, again on serialization failure or deadlock (with jittered backoff),
 * and reports the ledger's own failures as typed errors.
 */
export async function runLedgerTransaction<T>(
  sql: LedgerSql,
  run: () => Promise<T>,
  context: { idempotencyKey?: string } = {},
): Promise<T> {
  // Inside the caller's transaction a failed statement has aborted it: only they can retry.
  const attempts = inTransaction(sql) ? 1 : MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt < attempts && isRetryable(error)) {
        await new Promise((resolve) =>
          setTimeout(resolve, Math.random() * 2 ** Math.min(attempt, 7)),
        );
        continue;
      }
      throw toLedgerError(error, context);
    }
  }
}
