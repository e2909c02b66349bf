import { loadConfig } from '../../infra/config.js';
import { createSql, type Sql } from '../../infra/db.js';

/** A one-connection pool on DATABASE_URL for a command, or exit 78 saying what it is for. */
export function commandDatabase(purpose: string, applicationName: string): Sql {
  const config = loadConfig();
  if (!config.DATABASE_URL) {
    process.stderr.write(`DATABASE_URL is not set: point it at the database to ${purpose}.\n`);
    process.exit(78);
  }
  return createSql(config.DATABASE_URL, { max: 1, applicationName });
}
