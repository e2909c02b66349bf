// npm run reconcile — one reconciliation pass now, in this process (no worker needed): the
// ledger on DATABASE_URL against the configured rails, escrows flagged through TEMPORAL_ADDRESS.
// Ends with one JSON line on stdout, {"checked":…,"fixed":…,"mismatches":…} (this pass's new
// mismatches, and how many of them it fixed); exit 1 when some could not be fixed.
// `--from`/`--to` (ISO 8601 instants) choose the period; by default it runs from where the last
// finished pass ended to RECONCILE_SETTLE_LAG ago, as the schedule does.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { providerForEscrow } from '../activities/escrow-providers.js';
import { reconcilePass } from '../activities/reconciliation.js';
import { loadConfig } from '../infra/config.js';
import { createTemporalClient } from '../infra/temporal-client.js';
import {
  createCollectionListing,
  createPayoutProvider,
  createProvider,
  createProviders,
} from '../psp/from-config.js';
import { providerBuilder } from '../psp/registry.js';
import { commandDatabase } from './lib/database-arg.js';

const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
for (const [name, value] of Object.entries(values)) {
  if (value !== undefined && Number.isNaN(Date.parse(value))) {
    process.stderr.write(`--${name} ${value}: not an ISO 8601 instant\n`);
    process.exit(64);
  }
}
const config = loadConfig();
const sql = commandDatabase('reconcile', 'escrow-reconcile');
const temporal = createTemporalClient(config);
const providers = createProviders(config);
try {
  const summary = await reconcilePass(
    {
      sql,
      provider: createProvider(config),
      providers,
      providerForEscrow: providerForEscrow({
        sql,
        credentialsKey: config.CREDENTIALS_KEY,
        buildProvider: providerBuilder(config),
        providers,
      }),
      payouts: createPayoutProvider(config),
      listing: createCollectionListing(config),
      temporal,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
    },
    {
      runId: `manual:${randomUUID()}`,
      ...(values.from === undefined ? {} : { from: new Date(values.from).toISOString() }),
      to: new Date(
        values.to === undefined ? Date.now() - config.RECONCILE_SETTLE_LAG : Date.parse(values.to),
      ).toISOString(),
      everyMs: config.RECONCILE_EVERY,
      settleLagMs: config.RECONCILE_SETTLE_LAG,
    },
  );
  const { checked, fixed, mismatches } = summary;
  process.stdout.write(`${JSON.stringify({ checked, fixed, mismatches })}\n`);
  process.exitCode = mismatches > fixed ? 1 : 0;
} finally {
  await sql.end();
  await temporal.connection.close();
}
