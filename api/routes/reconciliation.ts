import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { listReports, type StoredMismatch } from '../../store/reconciliation.js';
import { allow } from '../access.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { json, problems } from '../schemas/common.js';
import { ListReportsQuery, ReportListSchema } from '../schemas/reconciliation.js';

const list = createRoute({
  method: 'get',
  path: '/v1/reconciliation/reports',
  tags: ['Operations'],
  summary: 'Reconciliation reports, newest first (ops)',
  description:
    'One report per pass of the ledger against the rails, with the mismatches it found first; follow `nextCursor` for older ones.',
  security: bearer,
  middleware: [allow(['ops'])] as const,
  request: { query: ListReportsQuery },
  responses: {
    200: json(ReportListSchema, 'A page of reports'),
    ...problems(401, 403, 422, 503),
  },
});

const iso = (date: Date | null) => (date === null ? null : date.toISOString());
const amount = (text: string | undefined) => (text === undefined ? null : Number(text));

const mismatchView = (m: StoredMismatch) => ({
  id: m.id,
  kind: m.kind,
  movement: m.movement,
  reference: m.reference,
  escrowId: m.escrowId,
  ledger: m.ledger && { ...m.ledger, amount: Number(m.ledger.amount) },
  rail: m.rail && {
    status: m.rail.status,
    amount: amount(m.rail.amount),
    currency: m.rail.currency ?? null,
    at: m.rail.at ?? null,
    railId: m.rail.railId ?? null,
  },
  detail: m.detail,
  fixed: m.fixed,
  createdAt: m.createdAt.toISOString(),
});

/** `/v1/reconciliation`: what the reconciliation passes found; ops only. */
export function reconciliationRoutes({ sql }: RouteDeps) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(list, async (c) => {
    const query = c.req.valid('query');
    const page = await listReports(sql, {
      limit: query.limit,
      before: query.cursor === undefined ? undefined : BigInt(query.cursor),
    });
    return c.json(
      {
        data: page.reports.map((r) => ({
          id: r.id,
          periodFrom: r.periodFrom.toISOString(),
          periodTo: r.periodTo.toISOString(),
          startedAt: r.startedAt.toISOString(),
          finishedAt: iso(r.finishedAt),
          checked: r.checked,
          notes: r.notes,
          mismatches: r.mismatches.map(mismatchView),
        })),
        nextCursor: page.nextBefore === null ? null : String(page.nextBefore),
      },
      200,
    );
  });
}
