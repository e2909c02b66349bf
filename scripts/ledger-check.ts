// npm run ledger:check — proves the books right (or shows where they are wrong). Exit 0 when
// every invariant holds, 1 on any violation; DATABASE_URL names the database.
import { checkLedger, MAX_PER_RULE } from '../ledger/invariants.js';
import { commandDatabase } from './lib/database-arg.js';

const sql = commandDatabase('check', 'escrow-ledger-check');
try {
  const report = await checkLedger(sql);
  const lines = [
    `Ledger check at ${report.checkedAt.toISOString()}: ${report.ok ? 'OK' : 'VIOLATIONS'}`,
  ];
  const byRule = new Map<string, typeof report.violations>();
  for (const v of report.violations) byRule.set(v.rule, [...(byRule.get(v.rule) ?? []), v]);
  for (const [rule, violations] of byRule) {
    lines.push(`  ✗ ${rule} (${violations.length}${violations.length >= MAX_PER_RULE ? '+' : ''})`);
    for (const v of violations) lines.push(`      ${v.detail}`);
  }
  for (const s of report.skipped) lines.push(`  - ${s.rule} skipped: ${s.detail}`);
  if (report.ok) lines.push(`  ✓ every rule holds (${report.rules.join(', ')})`);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await sql.end();
}
