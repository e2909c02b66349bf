import type { Rail } from '../domain/rails.js';
import type { Sql } from '../infra/db.js';
import type { SecretBox } from '../infra/secret-box.js';

/** A platform's rail as anyone may see it: never its credentials. */
export interface PlatformRail {
  rail: Rail;
  position: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A rail's ciphertext is bound to its row: moved to another, it does not open. */
const associatedData = (platformId: string, rail: Rail) => `platform_rails:${platformId}:${rail}`;

/**
 * Sets the platform's credentials for the rail. A new rail goes last unless `position` says
 * otherwise; an existing one keeps its place unless told.
 */
export async function putPlatformRail(
  sql: Sql,
  box: SecretBox,
  input: { platformId: string; rail: Rail; credentials: object; position?: number | undefined },
): Promise<PlatformRail> {
  const sealed = box.seal(
    Buffer.from(JSON.stringify(input.credentials), 'utf8'),
    associatedData(input.platformId, input.rail),
  );
  const [row] = await sql<PlatformRail[]>`
    insert into platform_rails (platform_id, rail, position, credentials, key_id)
    values (${input.platformId}, ${input.rail},
            coalesce(${input.position ?? null}::int,
                     (select coalesce(max(position) + 1, 0) from platform_rails
                       where platform_id = ${input.platformId})),
            ${sealed}, ${box.keyId})
    on conflict (platform_id, rail) do update set
      position = coalesce(${input.position ?? null}::int, platform_rails.position),
      credentials = excluded.credentials, key_id = excluded.key_id, updated_at = now()
    returning rail, position, created_at as "createdAt", updated_at as "updatedAt"`;
  if (!row) throw new Error('insert into platform_rails returned no row');
  return row;
}

/** The platform's rails in order of preference: the first is its default. */
export function listPlatformRails(sql: Sql, platformId: string): Promise<PlatformRail[]> {
  return sql<PlatformRail[]>`
    select rail, position, created_at as "createdAt", updated_at as "updatedAt"
      from platform_rails where platform_id = ${platformId}
     order by position, created_at, rail`;
}

export async function deletePlatformRail(sql: Sql, platformId: string, rail: Rail): Promise<void> {
  await sql`delete from platform_rails where platform_id = ${platformId} and rail = ${rail}`;
}

/** The row's version, read without decrypting: what a cache of adapters is keyed by. */
export async function platformRailVersion(
  sql: Sql,
  platformId: string,
  rail: Rail,
): Promise<Date | undefined> {
  const [row] = await sql<{ updatedAt: Date }[]>`
    select updated_at as "updatedAt" from platform_rails
     where platform_id = ${platformId} and rail = ${rail}`;
  return row?.updatedAt;
}

/** The platform's decrypted credentials for the rail; undefined when it has none there. */
export async function openPlatformRail(
  sql: Sql,
  box: SecretBox,
  platformId: string,
  rail: Rail,
): Promise<{ credentials: unknown; updatedAt: Date } | undefined> {
  const [row] = await sql<{ credentials: Buffer; keyId: string; updatedAt: Date }[]>`
    select credentials, key_id as "keyId", updated_at as "updatedAt" from platform_rails
     where platform_id = ${platformId} and rail = ${rail}`;
  if (!row) return undefined;
  if (row.keyId !== box.keyId) {
    throw new Error(
      `${platformId}'s ${rail} credentials were sealed with key ${row.keyId}, not this deployment's CREDENTIALS_KEY (${box.keyId})`,
    );
  }
  const plaintext = box.open(row.credentials, associatedData(platformId, rail));
  return { credentials: JSON.parse(plaintext.toString('utf8')), updatedAt: row.updatedAt };
}
