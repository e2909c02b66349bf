import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot } from '../../devstack/paths.js';
import { MigrationMismatchError, migrate } from '../../infra/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const shipped = fileURLToPath(new URL('../../migrations/', import.meta.url));
let db: TestDatabase;
let scratch: string;

beforeAll(async () => {
  db = await createTestDatabase({ max: 2 });
  scratch = await mkdtemp(join(tmpdir(), 'escrow-migrations-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of the shipped migrations that a test may change. */
async function copyOfMigrations(name: string): Promise<string> {
  const dir = join(scratch, name);
  await cp(shipped, dir, { recursive: true });
  return dir;
}

it('applies nothing twice, and records a checksum for every file', async () => {
  expect(await migrate(db.ownerSql)).toMatchObject({ applied: [] });
  const rows = await db.ownerSql<{ name: string; checksum: string | null }[]>`
    select name, checksum from schema_migrations order by name`;
  expect(rows.map((r) => r.name)).toEqual((await readdir(shipped)).sort());
  expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum ?? ''))).toBe(true);
});

it('refuses to start when an applied migration was edited, naming the file', async () => {
  const dir = await copyOfMigrations('edited');
  await writeFile(join(dir, '0020_escrows.sql'), '-- someone "fixed" this in place\n', {
    flag: 'a',
  });
  const run = migrate(db.ownerSql, dir);
  await expect(run).rejects.toThrow(MigrationMismatchError);
  await expect(run).rejects.toThrow(
    /migrations\/0020_escrows\.sql was edited after it was applied/,
  );
});

it('refuses to start when an applied migration is missing, naming the file', async () => {
  const dir = await copyOfMigrations('deleted');
  await rm(join(dir, '0030_platforms.sql'));
  await expect(migrate(db.ownerSql, dir)).rejects.toThrow(
    /migrations\/0030_platforms\.sql applied to this database but missing on disk/,
  );
});

it('a database migrated before checksums and the harness table were retired upgrades cleanly', async () => {
  const old = await createTestDatabase({ max: 1 });
  try {
    await old.ownerSql`update schema_migrations set checksum = null`;
    await old.ownerSql`delete from schema_migrations where name = '0050_drop_harness_pings.sql'`;
    await old.ownerSql`insert into schema_migrations (name) values ('0001_harness.sql')`;
    await old.ownerSql`create table harness_pings (id text primary key)`;

    expect(await migrate(old.ownerSql)).toMatchObject({ applied: ['0050_drop_harness_pings.sql'] });
    const [table] = await old.ownerSql`select to_regclass('harness_pings') as t`;
    expect(table?.t).toBeNull();
    const rows = await old.ownerSql<{ name: string; checksum: string | null }[]>`
      select name, checksum from schema_migrations order by name`;
    expect(rows.map((r) => r.name)).not.toContain('0001_harness.sql');
    expect(rows.every((r) => r.checksum !== null)).toBe(true);
  } finally {
    await old.drop();
  }
});

it('`npm run migrate` exits non-zero with one line naming the edited file', async () => {
  await db.ownerSql`
    update schema_migrations set checksum = repeat('0', 64) where name = '0040_webhooks.sql'`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: db.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect(stderr.trim()).toMatch(/^migrate: migrations\/0040_webhooks\.sql was edited after/);
  expect(code).toBe(1);
});
