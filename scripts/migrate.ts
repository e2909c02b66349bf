import { MigrationMismatchError, migrate } from '../infra/migrate.js';
import { commandDatabase } from './lib/database-arg.js';

const sql = commandDatabase('migrate', 'escrow-migrate');
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
