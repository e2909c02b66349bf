// npm run case:check — walks every escrow's event chain in Postgres and names each row whose
// hash or link does not hold (an event edited in the database, a row deleted, a row still
// unchained). Exit 0 when every chain holds, 1 otherwise; DATABASE_URL names the database.
import { checkChains } from '../store/case-chain.js';
import { commandDatabase } from './lib/database-arg.js';

const sql = commandDatabase('check', 'escrow-case-check');
try {
  const report = await checkChains(sql);
  const lines = [
    `Case chain check: ${report.ok ? 'OK' : 'BROKEN'} (${report.escrows} escrows, ${report.events} events)`,
  ];
  for (const b of report.broken) lines.push(`  ✗ escrow ${b.escrowId} seq ${b.seq}: ${b.detail}`);
  if (report.ok) lines.push('  ✓ every event hash and link holds');
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await sql.end();
}
