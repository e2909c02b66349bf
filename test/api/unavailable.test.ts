import { randomUUID } from 'node:crypto';
import { Client, type ConnectionLike } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { issuePlatformKey } from '../../api/credentials.js';
import { freePort } from '../../devstack/ports.js';
import { createSql } from '../../infra/db.js';
import { createLogger } from '../../infra/logger.js';
import { expectProblem, useApiHarness } from './harness.js';

const api = useApiHarness();
const logger = createLogger({ level: 'silent', pretty: false });

/**
 * The test's own Temporal connection, except that Updates get what the server answers while
 * the workflow's task keeps failing (a worker killed mid-task): gRPC FAILED_PRECONDITION. The
 * SDK wraps it as it would a real one.
 */
function refusingUpdates(real: ConnectionLike): ConnectionLike {
  const failedPrecondition = Object.assign(
    new Error('9 FAILED_PRECONDITION: Workflow Update cannot be processed now'),
    // grpc-js's shape; the metadata carries no status details.
    { code: 9, details: 'Workflow Update cannot be processed now', metadata: { get: () => [] } },
  );
  const workflowService = new Proxy(real.workflowService, {
    get: (target, name, receiver) =>
      name === 'updateWorkflowExecution'
        ? () => Promise.reject(failedPrecondition)
        : Reflect.get(target, name, receiver),
  });
  return Object.create(real, { workflowService: { value: workflowService } });
}

async function request(app: ReturnType<typeof createApp>, path: string, init: RequestInit) {
  const response = await app.request(path, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

describe('a dependency that cannot serve now is a 503 with Retry-After, safe to retry', () => {
  it('an Update refused with FAILED_PRECONDITION (workflow task failing)', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey);
    const app = createApp({
      sql: api.h.db.sql,
      temporal: new Client({ connection: refusingUpdates(api.h.temporal.client.connection) }),
      logger,
      providers: [api.h.stack.provider],
      settings: api.h.stack.apiSettings,
    });
    const key = randomUUID();
    const init = {
      method: 'POST',
      headers: {
        authorization: `Bearer ${api.platform.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify({ reason: 'buyer changed their mind' }),
    };
    const refused = await request(app, `/v1/escrows/${escrow.id}/cancel`, init);
    expectProblem(refused, 503, 'temporarily-unavailable');
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);

    // Once Temporal takes Updates again, the same request with the same key goes through.
    const retried = await api.h.call('POST', `/v1/escrows/${escrow.id}/cancel`, {
      token: api.platform.apiKey,
      body: { reason: 'buyer changed their mind' },
      idempotencyKey: key,
    });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.status).toBe('cancelled');
  });

  it('Postgres unreachable, whether authenticating a platform key or reading', async () => {
    const nobody = `postgres://postgres:postgres@127.0.0.1:${await freePort()}/escrow`;
    const sql = createSql(nobody, { max: 1 });
    const app = createApp({
      sql,
      temporal: api.h.temporal.client,
      logger,
      providers: [api.h.stack.provider],
      settings: api.h.stack.apiSettings,
    });
    try {
      const platformKey = issuePlatformKey('plt_00000000000000000000').apiKey;
      for (const token of [platformKey, api.h.opsKey]) {
        const reply = await request(app, '/v1/escrows', {
          headers: { authorization: `Bearer ${token}` },
        });
        expectProblem(reply, 503, 'temporarily-unavailable');
        expect(reply.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      }
    } finally {
      await sql.end();
    }
  });
});
