import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { temporalTestServerPath } from '../../devstack/paths.js';
import { startThrowawayServers } from '../../devstack/throwaway-servers.js';
import { createSql } from '../../infra/db.js';
import { migrate } from '../../infra/migrate.js';
import { tracedBundlePath } from '../../infra/temporal-tracing.js';
import { workflowBundleOptions } from '../../infra/workflow-bundle.js';

export const TEMPLATE_DATABASE = 'escrow_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test Postgres server (database `postgres`). */
    postgresAdminUrl: string;
    templateDatabase: string;
    temporalAddress: string;
    /** The bundle a worker without tracing runs (no tracing interceptors). */
    workflowBundlePath: string;
    /** The bundle a worker with tracing runs: with the tracing interceptors. */
    tracedWorkflowBundlePath: string;
    temporalTestServerPath: string;
  }
}

/**
 * Starts the servers every test file shares, once per run, and stops them however the run
 * ends: an ephemeral Postgres (temporary data directory, free port) with a migrated template
 * database, a headless Temporal dev server with the search attributes, and the workflow bundles (plain
 * and traced, as scripts/bundle-workflows.ts builds them).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = await startThrowawayServers('test');
  try {
    const { postgres, temporal, dir } = servers;
    const admin = createSql(postgres.url(), { max: 1 });
    await admin.unsafe(`create database ${TEMPLATE_DATABASE}`);
    await admin.end();
    const template = createSql(postgres.url(TEMPLATE_DATABASE), { max: 1 });
    await migrate(template);
    await template.end();

    const bundlePath = join(dir, 'workflow-bundle.js');
    for (const traced of [false, true]) {
      const { code } = await bundleWorkflowCode({
        ...workflowBundleOptions(traced, fileURLToPath(new URL('./workflows.ts', import.meta.url))),
        logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
      });
      await writeFile(traced ? tracedBundlePath(bundlePath) : bundlePath, code);
    }

    project.provide('postgresAdminUrl', postgres.url());
    project.provide('templateDatabase', TEMPLATE_DATABASE);
    project.provide('temporalAddress', temporal.address);
    project.provide('workflowBundlePath', bundlePath);
    project.provide('tracedWorkflowBundlePath', tracedBundlePath(bundlePath));
    project.provide('temporalTestServerPath', temporalTestServerPath());
  } catch (error) {
    await servers.stop();
    throw error;
  }
  return servers.stop;
}
