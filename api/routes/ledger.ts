import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { escrowMoneySummary } from '../../ledger/balances.js';
import { checkLedger } from '../../ledger/invariants.js';
import { allow, visibleEscrow } from '../access.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { EscrowIdParams, problems } from '../schemas/common.js';
import { EscrowLedgerSchema, LedgerCheckSchema } from '../schemas/ledger.js';

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
    ...problems(401, 403, 503),
  },
});

const escrowLedger = createRoute({
  method: 'get',
  path: '/v1/escrows/{id}/ledger',
  tags: ['Escrows'],
  summary: "An escrow's money, from the ledger",
  security: bearer,
  middleware: [allow(['platform', 'ops'])] as const,
  request: { params: EscrowIdParams },
  responses: {
    200: {
      description: 'Balances computed from the postings of this escrow',
      content: { 'application/json': { schema: EscrowLedgerSchema } },
    },
    ...problems(401, 403, 404, 422, 503),
  },
});

export function ledgerRoutes({ sql }: RouteDeps) {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(check, async (c) => {
      const report = await checkLedger(sql);
      return c.json({ ...report, checkedAt: report.checkedAt.toISOString() }, 200);
    })
    .openapi(escrowLedger, async (c) => {
      const escrow = await visibleEscrow(c, sql, c.req.valid('param').id);
      const summary = await escrowMoneySummary(sql, escrow.id);
      const n = (value: bigint | undefined) => Number(value ?? 0n);
      return c.json(
        {
          escrowId: escrow.id,
          currency: summary?.currency ?? null,
          funded: n(summary?.funded),
          held: n(summary?.held),
          released: n(summary?.released),
          refunded: n(summary?.refunded),
          fees: n(summary?.fees),
          paidOut: n(summary?.paidOut),
        },
        200,
      );
    });
}
