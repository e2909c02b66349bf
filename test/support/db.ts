import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { APP_ROLE, createSql, type Sql } from '../../infra/db.js';

export interface TestDatabase {
  /** As the application connects: the role that writes the ledger only through its functions. */
  sql: Sql;
  /** As the tables' owner: for a test that changes the schema or corrupts data on purpose. */
  ownerSql: Sql;
  /** The owner's login: processes started on it migrate, then run as the application's role. */
  url: string;
  name: string;
  drop: () => Promise<void>;
}

/** A fresh, fully migrated database of its own (a clone of the template), for one test file. */
export async function createTestDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = createSql(adminUrl, { max: 1 });
  await admin.unsafe(`create database ${name} template ${inject('templateDatabase')}`);
  await admin.end();
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const sql = createSql(url, {
    max: options.max ?? 10,
    applicationName: 'escrow-test',
    role: APP_ROLE,
  });
  const ownerSql = createSql(url, { max: 2, applicationName: 'escrow-test-owner' });
  return {
    sql,
    ownerSql,
    url,
    name,
    drop: async () => {
      await Promise.all([sql.end({ timeout: 5 }), ownerSql.end({ timeout: 5 })]);
      const dropper = createSql(adminUrl, { max: 1 });
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

/**
 * The database of one test file: created before its tests, dropped after them. The handle is
 * filled in `beforeAll`, so read `db.sql` inside tests and hooks, not at the top of the file.
 */
export function useTestDatabase(options: { max?: number } = {}): TestDatabase {
  const handle = {} as TestDatabase;
  beforeAll(async () => {
    Object.assign(handle, await createTestDatabase(options));
  });
  afterAll(async () => {
    await handle.drop?.();
  });
  return handle;
}
