import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './db.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
/** Any constant works; it only has to be the same in every process that migrates. */
const MIGRATION_LOCK_ID = 727_001;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** The schema on disk no longer matches what was applied: start-up must stop. */
export class MigrationMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationMismatchError';
  }
}

const checksum = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Applies pending `migrations/*.sql` files in name order. All of them run in one transaction
 * under an advisory lock, so concurrent starters wait for each other and a failure leaves
 * nothing half applied. An applied file is never run again, so one edited (or deleted) after
 * it was applied would silently split the schema between databases: that refuses to start.
 */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const files = await Promise.all(
    names.map(async (name) => {
      const text = await readFile(join(dir, name), 'utf8');
      return { name, text, checksum: checksum(text) };
    }),
  );
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
    await tx`
      create table if not exists schema_migrations (
        name text primary key,
        applied_at timestamptz not null default now()
      )`;
    await tx`alter table schema_migrations add column if not exists checksum text`;
    const done = new Map(
      (
        await tx<{ name: string; checksum: string | null }[]>`
        select name, checksum from schema_migrations`
      ).map((r) => [r.name, r.checksum]),
    );
    const applied: string[] = [];
    for (const file of files) {
      if (!done.has(file.name)) {
        await tx.unsafe(file.text);
        await tx`
          insert into schema_migrations (name, checksum) values (${file.name}, ${file.checksum})`;
        applied.push(file.name);
        continue;
      }
      const recorded = done.get(file.name);
      if (recorded === null) {
        // Applied before checksums were kept: what is on disk now is the reference.
        await tx`update schema_migrations set checksum = ${file.checksum} where name = ${file.name}`;
      } else if (recorded !== file.checksum) {
        throw new MigrationMismatchError(
          `migrations/${file.name} was edited after it was applied to this database: restore it and put the change in a new migration.`,
        );
      }
    }
    // Last, so a migration may retire an earlier one's record (0050 does).
    const missing = await tx<{ name: string }[]>`
      select name from schema_migrations where name <> all(${names}) order by name`;
    if (missing.length > 0) {
      throw new MigrationMismatchError(
        `migrations/${missing.map((m) => m.name).join(', ')} applied to this database but missing on disk: restore it.`,
      );
    }
    return { applied, alreadyApplied: done.size };
  });
}
