import type { Timer } from '../domain/lifecycle.js';
import type { Sql } from '../infra/db.js';

export interface PlatformRecord {
  id: string;
  name: string;
  apiKeySha256: Buffer;
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
 * Creates the platform. A retry of the same creation (same id, after an attempt whose response
 * never reached the caller) replaces the key digest: the earlier key was never shown.
 */
export async function savePlatform(sql: Sql, platform: NewPlatform): Promise<PlatformRecord> {
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
