// npm run case:backfill — chains the escrow events written before migration 0095 (their
// prev_hash and hash were empty). Safe to run again and while the service runs: each escrow is
// chained in its own transaction, rows already chained are kept, and the store chains an
// escrow's old rows itself when it appends to it. DATABASE_URL names the database.
import { backfillChains } from '../store/case-chain.js';
import { commandDatabase } from './lib/database-arg.js';

const sql = commandDatabase('backfill', 'escrow-case-backfill');
try {
  const done = await backfillChains(sql);
  process.stdout.write(`Chained ${done.events} events of ${done.escrows} escrows.\n`);
} finally {
  await sql.end();
}
