import { loadConfig } from '../../infra/config.js';
import { createSql, type Sql } from '../../infra/db.js';

/**
 * A one-connection pool for a command: DATABASE_URL, or outside production the database that
 * `npm run dev` runs (devstack/postgres-server.ts: user and password `postgres`, on PG_PORT).
 * In production an unset DATABASE_URL exits 78 saying what it is for.
 */
export function commandDatabase(purpose: string, applicationName: string): Sql {
  const config = loadConfig();
  let url = config.DATABASE_URL;
  if (!url) {
    if (config.NODE_ENV === 'production') {
      process.stderr.write(`DATABASE_URL is not set: point it at the database to ${purpose}.\n`);
      process.exit(78);
    }
    url = `postgres://postgres:postgres@127.0.0.1:${config.PG_PORT}/escrow`;
    process.stderr.write(`DATABASE_URL is not set: using the npm run dev database (${url}).\n`);
  }
  return createSql(url, { max: 1, applicationName });
}
