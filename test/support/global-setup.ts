import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { createSql } from '../../infra/db.js';
import { migrate } from '../../infra/migrate.js';
import { temporalTestServerPath } from '../../scripts/lib/paths.js';
import { onFreePort } from '../../scripts/lib/ports.js';
import { startPostgres } from '../../scripts/lib/postgres-server.js';
import { startTemporal } from '../../scripts/lib/temporal-server.js';

export const TEMPLATE_DATABASE = 'escrow_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test Postgres server (database `postgres`). */
    postgresAdminUrl: string;
    templateDatabase: string;
    temporalAddress: string;
    workflowBundlePath: string;
    temporalTestServerPath: string;
  }
}

/**
 * Starts the servers every test file shares, once per run, and stops them however the run
 * ends: an ephemeral Postgres (temporary data directory, free port) with a migrated template
 * database, a headless Temporal dev server with the search attributes, and one workflow bundle.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workDir = await mkdtemp(join(tmpdir(), 'escrow-test-'));
  // Postgres runs as the `postgres` user when we are root: it must be able to enter the folder.
  await chmod(workDir, 0o755);
  const cleanups: Array<() => Promise<void>> = [
    () => rm(workDir, { recursive: true, force: true }),
  ];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    // Started side by side; whichever starts is stopped at teardown even if the other fails.
    const [postgresStart, temporalStart] = await Promise.allSettled([
      onFreePort((port) => startPostgres({ dataDir: join(workDir, 'pg'), port, fast: true })),
      onFreePort((port) => startTemporal({ port })),
    ]);
    for (const started of [postgresStart, temporalStart]) {
      if (started.status === 'fulfilled') cleanups.push(started.value.stop);
    }
    if (postgresStart.status === 'rejected') throw postgresStart.reason;
    if (temporalStart.status === 'rejected') throw temporalStart.reason;
    const postgres = postgresStart.value;
    const temporal = temporalStart.value;

    const admin = createSql(postgres.url(), { max: 1 });
    await admin.unsafe(`create database ${TEMPLATE_DATABASE}`);
    await admin.end();
    const template = createSql(postgres.url(TEMPLATE_DATABASE), { max: 1 });
    await migrate(template);
    await template.end();

    const { code } = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    });
    const bundlePath = join(workDir, 'workflow-bundle.js');
    await writeFile(bundlePath, code);

    project.provide('postgresAdminUrl', postgres.url());
    project.provide('templateDatabase', TEMPLATE_DATABASE);
    project.provide('temporalAddress', temporal.address);
    project.provide('workflowBundlePath', bundlePath);
    project.provide('temporalTestServerPath', temporalTestServerPath());
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
