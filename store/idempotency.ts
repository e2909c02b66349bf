import { randomUUID } from 'node:crypto';
import type { Sql } from '../infra/db.js';

export interface IdempotencyScope {
  /** Whose key it is: derived from the credential, never from the request. */
  tenant: string;
  key: string;
}

export interface ClaimInput extends IdempotencyScope {
  method: string;
  path: string;
  requestSha256: Buffer;
  /** The resource id this attempt would create; kept only if it is the first attempt. */
  seed: string | null;
  /** How long a claim holds the key before another attempt may take over (a crashed process). */
  leaseMs: number;
  /** How long the key and its stored response are kept (at least 24 h). */
  ttlMs: number;
}

export interface StoredResponse {
  status: number;
  contentType: string;
  body: string;
}

export type ClaimResult =
  /** Run the request; `seed` is the resource id of the first attempt (this one or an earlier). */
  | { kind: 'claimed'; seed: string | null; lockToken: string }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch'; method: string; path: string }
  | { kind: 'in_flight' };

interface KeyRow {
  method: string;
  path: string;
  request_sha256: Buffer;
  seed: string | null;
  locked: boolean;
  expired: boolean;
  response_status: number | null;
  response_content_type: string | null;
  response_body: string | null;
}

/**
 * Claims an idempotency key, in one transaction: the first request inserts the row; a later one
 * finds it locked (in flight), answered (replay), for another request (mismatch), or free again
 * after a failed attempt or a lapsed lease (claimed, with the first attempt's seed).
 */
export async function claimIdempotencyKey(sql: Sql, input: ClaimInput): Promise<ClaimResult> {
  const lockToken = randomUUID();
  return sql.begin(async (tx) => {
    const inserted = await tx`
      insert into idempotency_keys (tenant, key, method, path, request_sha256, seed, locked_until,
                                    lock_token, expires_at)
      values (${input.tenant}, ${input.key}, ${input.method}, ${input.path}, ${input.requestSha256},
              ${input.seed}, now() + ${input.leaseMs} * interval '1 millisecond', ${lockToken},
              now() + ${input.ttlMs} * interval '1 millisecond')
      on conflict (tenant, key) do nothing
      returning seed`;
    if (inserted.length > 0) return { kind: 'claimed', seed: input.seed, lockToken };

    const [row] = await tx<KeyRow[]>`
      select method, path, request_sha256, seed,
             coalesce(locked_until > now(), false) as locked, expires_at <= now() as expired,
             response_status, response_content_type, response_body
        from idempotency_keys where tenant = ${input.tenant} and key = ${input.key}
         for update`;
    if (!row || row.expired) {
      // Past its retention the key is new again: this request starts from scratch.
      await tx`
        insert into idempotency_keys (tenant, key, method, path, request_sha256, seed,
                                      locked_until, lock_token, expires_at)
        values (${input.tenant}, ${input.key}, ${input.method}, ${input.path},
                ${input.requestSha256}, ${input.seed},
                now() + ${input.leaseMs} * interval '1 millisecond', ${lockToken},
                now() + ${input.ttlMs} * interval '1 millisecond')
        on conflict (tenant, key) do update set
          method = excluded.method, path = excluded.path, request_sha256 = excluded.request_sha256,
          seed = excluded.seed, locked_until = excluded.locked_until,
          lock_token = excluded.lock_token, response_status = null,
          response_content_type = null, response_body = null, created_at = now(),
          expires_at = excluded.expires_at`;
      return { kind: 'claimed', seed: input.seed, lockToken };
    }
    if (
      row.method !== input.method ||
      row.path !== input.path ||
      !row.request_sha256.equals(input.requestSha256)
    ) {
      return { kind: 'mismatch', method: row.method, path: row.path };
    }
    if (row.response_status !== null) {
      return {
        kind: 'replay',
        response: {
          status: row.response_status,
          contentType: row.response_content_type ?? 'application/json',
          body: row.response_body ?? '',
        },
      };
    }
    if (row.locked) return { kind: 'in_flight' };
    await tx`
      update idempotency_keys
         set locked_until = now() + ${input.leaseMs} * interval '1 millisecond',
             lock_token = ${lockToken}
       where tenant = ${input.tenant} and key = ${input.key}`;
    return { kind: 'claimed', seed: row.seed, lockToken };
  });
}

/** Stores the response of the attempt holding the lock; later requests replay it. */
export async function completeIdempotencyKey(
  sql: Sql,
  scope: IdempotencyScope,
  lockToken: string,
  response: StoredResponse,
): Promise<boolean> {
  const updated = await sql`
    update idempotency_keys
       set response_status = ${response.status}, response_content_type = ${response.contentType},
           response_body = ${response.body}, locked_until = null, lock_token = null
     where tenant = ${scope.tenant} and key = ${scope.key} and lock_token = ${lockToken}
       and response_status is null`;
  return updated.count > 0;
}

/**
 * Frees the key without a response (the attempt failed on our side): a retry with the same key
 * runs again, with the same seed.
 */
export async function releaseIdempotencyKey(
  sql: Sql,
  scope: IdempotencyScope,
  lockToken: string,
): Promise<void> {
  await sql`
    update idempotency_keys set locked_until = null, lock_token = null
     where tenant = ${scope.tenant} and key = ${scope.key} and lock_token = ${lockToken}`;
}

/** Deletes keys past their retention; returns how many. */
export async function purgeExpiredIdempotencyKeys(sql: Sql, limit = 10_000): Promise<number> {
  const deleted = await sql`
    delete from idempotency_keys
     where ctid = any (array(select ctid from idempotency_keys where expires_at <= now()
                             limit ${limit}))`;
  return deleted.count;
}
