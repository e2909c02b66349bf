import { loadConfig } from '../infra/config.js';
import { createSql } from '../infra/db.js';
import { MigrationMismatchError, migrate } from '../infra/migrate.js';

const config = loadConfig();
if (!config.DATABASE_URL) {
  process.stderr.write('DATABASE_URL is not set: point it at the database to migrate.\n');
  process.exit(78);
}
const sql = createSql(config.DATABASE_URL, { max: 1, applicationName: 'escrow-migrate' });
try {
  const { applied, alreadyApplied } = await migrate(sql);
  process.stdout.write(
    `${applied.length} migration(s) applied${applied.length ? `: ${applied.join(', ')}` : ''}; ${alreadyApplied} already applied.\n`,
  );
} catch (error) {
  if (!(error instanceof MigrationMismatchError)) throw error;
  process.stderr.write(`migrate: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  await sql.end();
}
