import { createHash } from 'node:crypto';
import { isRetryable, toLedgerError } from './errors.js';
import { inTransaction, type LedgerSql } from './sql.js';

/** JSON with sorted object keys and bigints as strings: equal requests give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        ),
      );
    }
    return v;
  });
}

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
