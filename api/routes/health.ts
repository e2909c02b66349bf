import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import type { Sql } from '../../infra/db.js';
import { ProblemError } from '../problem.js';

export interface HealthDeps {
  sql: Sql;
  temporal: Client;
}

const CHECK_TIMEOUT_MS = 2_000;

async function probe(check: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS),
      ),
    ]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export function healthRoutes({ sql, temporal }: HealthDeps): Hono {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const [postgres, temporalCheck] = await Promise.all([
        probe(() => sql`select 1`),
        probe(() => temporal.connection.workflowService.getSystemInfo({})),
      ]);
      const checks = { postgres, temporal: temporalCheck };
      if (postgres.ok && temporalCheck.ok) return c.json({ status: 'ready', checks });
      const failed = Object.entries(checks)
        .filter(([, result]) => !result.ok)
        .map(([name, result]) => `${name}: ${result.error}`);
      throw new ProblemError(503, 'not-ready', 'Not ready', `Unreachable: ${failed.join('; ')}`, {
        checks,
      });
    });
}
