import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { checkLedger } from '../../ledger/invariants.js';
import { allow } from '../access.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { problems } from '../schemas/common.js';
import { LedgerCheckSchema } from '../schemas/ledger.js';

const check = createRoute({
  method: 'get',
  path: '/v1/ledger/check',
  tags: ['Operations'],
  summary: 'Check the ledger invariants (ops)',
  security: bearer,
  middleware: [allow(['ops'])] as const,
  responses: {
    200: {
      description: 'The invariant report; `ok` is false when any rule is violated',
      content: { 'application/json': { schema: LedgerCheckSchema } },
    },
    ...problems(401, 403),
  },
});

export function ledgerRoutes({ sql }: RouteDeps) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(check, async (c) => {
    const report = await checkLedger(sql);
    return c.json({ ...report, checkedAt: report.checkedAt.toISOString() }, 200);
  });
}
