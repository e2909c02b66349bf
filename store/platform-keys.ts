// A platform's API keys (`platform_api_keys`): at most two active at once, so a platform can
// roll its key without downtime; only their SHA-256 is kept.
import type { Sql } from '../infra/db.js';

/** How many keys a platform may hold at once. */
export const MAX_ACTIVE_KEYS = 2;

export interface PlatformKey {
  id: string;
  platformId: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface ActiveKeyDigest {
  id: string;
  sha256: Buffer;
}

const COLUMNS = `id, platform_id as "platformId", prefix, created_at as "createdAt",
  last_used_at as "lastUsedAt"`;

/** The id of a platform's first key (made with the platform, or by migration 0111). */
export const firstKeyId = (platformId: string): string => `key_${platformId.slice(4)}`;

/** The platform's active keys, oldest first. */
export async function listPlatformKeys(sql: Sql, platformId: string): Promise<PlatformKey[]> {
  return sql<PlatformKey[]>`
    select ${sql.unsafe(COLUMNS)} from platform_api_keys
     where platform_id = ${platformId} and revoked_at is null
     order by created_at, id`;
}

/** What authentication compares a presented key with. */
export async function activeKeyDigests(sql: Sql, platformId: string): Promise<ActiveKeyDigest[]> {
  return sql<ActiveKeyDigest[]>`
    select id, sha256 from platform_api_keys
     where platform_id = ${platformId} and revoked_at is null`;
}

export type AddKeyResult =
  | { ok: true; key: PlatformKey }
  | { ok: false; reason: 'not_found' | 'too_many' };

/**
 * Adds a key, unless the platform already holds MAX_ACTIVE_KEYS. Idempotent by id: a retry with
 * the same id (an Idempotency-Key replay after a crash, whose key was never shown) replaces the
 * digest. The platform's row is locked meanwhile, so two adds cannot both pass the count.
 */
export async function addPlatformKey(
  sql: Sql,
  key: { id: string; platformId: string; sha256: Buffer; prefix: string },
): Promise<AddKeyResult> {
  return sql.begin(async (tx) => {
    const [platform] = await tx`select id from platforms where id = ${key.platformId} for update`;
    if (!platform) return { ok: false, reason: 'not_found' } as const;
    const [count] = await tx<{ n: number }[]>`
      select count(*)::int as n from platform_api_keys
       where platform_id = ${key.platformId} and revoked_at is null and id <> ${key.id}`;
    if ((count?.n ?? 0) >= MAX_ACTIVE_KEYS) return { ok: false, reason: 'too_many' } as const;
    const [row] = await tx<PlatformKey[]>`
      insert into platform_api_keys (id, platform_id, sha256, prefix)
      values (${key.id}, ${key.platformId}, ${key.sha256}, ${key.prefix})
      on conflict (id) do update set sha256 = excluded.sha256, prefix = excluded.prefix
        where platform_api_keys.platform_id = excluded.platform_id
          and platform_api_keys.revoked_at is null
      returning ${tx.unsafe(COLUMNS)}`;
    if (!row) throw new Error(`key id ${key.id} is taken`);
    return { ok: true, key: row } as const;
  });
}

export type RevokeKeyResult = { ok: true } | { ok: false; reason: 'not_found' | 'last_key' };

/** Revokes one key, never the platform's last active one. */
export async function revokePlatformKey(
  sql: Sql,
  platformId: string,
  keyId: string,
): Promise<RevokeKeyResult> {
  return sql.begin(async (tx) => {
    const [platform] = await tx`select id from platforms where id = ${platformId} for update`;
    if (!platform) return { ok: false, reason: 'not_found' } as const;
    const active = await tx<{ id: string; sha256: Buffer }[]>`
      select id, sha256 from platform_api_keys
       where platform_id = ${platformId} and revoked_at is null`;
    const target = active.find((k) => k.id === keyId);
    if (!target) return { ok: false, reason: 'not_found' } as const;
    if (active.length <= 1) return { ok: false, reason: 'last_key' } as const;
    await tx`update platform_api_keys set revoked_at = now() where id = ${keyId}`;
    // The platform row's copy of the first key's digest must not outlive the key.
    await tx`
      update platforms set api_key_sha256 = null
       where id = ${platformId} and api_key_sha256 = ${target.sha256}`;
    return { ok: true } as const;
  });
}

/** Records that a key was used (callers throttle this: it is a write). */
export async function touchPlatformKey(sql: Sql, keyId: string): Promise<void> {
  await sql`
    update platform_api_keys set last_used_at = now()
     where id = ${keyId} and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
}
