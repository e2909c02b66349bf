import type { Timer } from '../domain/lifecycle.js';
import type { Sql } from '../infra/db.js';
import { firstKeyId } from './platform-keys.js';

export interface PlatformRecord {
  id: string;
  name: string;
  /** The first key's digest until that key is revoked; authentication reads platform_api_keys. */
  apiKeySha256: Buffer | null;
  /** Timer windows in milliseconds that override the engine's defaults for this platform. */
  defaultWindows: Partial<Record<Timer, number>>;
  createdAt: Date;
}

export interface NewPlatform {
  id: string;
  name: string;
  apiKeySha256: Buffer;
  defaultWindows: Partial<Record<Timer, number>>;
}

/**
 * Creates the platform with its first API key (`platform_api_keys`, id `key_<platform suffix>`).
 * A retry of the same creation (same id, after an attempt whose response never reached the
 * caller) replaces the key digest: the earlier key was never shown.
 */
export async function savePlatform(sql: Sql, platform: NewPlatform): Promise<PlatformRecord> {
  return sql.begin(async (tx) => {
    const saved = await insertPlatform(tx as unknown as Sql, platform);
    await tx`
      insert into platform_api_keys (id, platform_id, sha256, prefix)
      values (${firstKeyId(platform.id)}, ${platform.id}, ${platform.apiKeySha256},
              ${`sk_${platform.id}.`})
      on conflict (id) do update set sha256 = excluded.sha256`;
    return saved;
  });
}

async function insertPlatform(sql: Sql, platform: NewPlatform): Promise<PlatformRecord> {
  const [row] = await sql<PlatformRecord[]>`
    insert into platforms (id, name, api_key_sha256, default_windows)
    values (${platform.id}, ${platform.name}, ${platform.apiKeySha256},
            ${sql.json(platform.defaultWindows as never)})
    on conflict (id) do update set
      name = excluded.name, api_key_sha256 = excluded.api_key_sha256,
      default_windows = excluded.default_windows
    returning id, name, api_key_sha256 as "apiKeySha256", default_windows as "defaultWindows",
              created_at as "createdAt"`;
  if (!row) throw new Error('insert into platforms returned no row');
  return row;
}

export async function findPlatform(sql: Sql, id: string): Promise<PlatformRecord | undefined> {
  const [row] = await sql<PlatformRecord[]>`
    select id, name, api_key_sha256 as "apiKeySha256", default_windows as "defaultWindows",
           created_at as "createdAt"
      from platforms where id = ${id}`;
  return row;
}
