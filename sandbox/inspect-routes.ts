import { Hono } from 'hono';
import { z } from 'zod';
import type { SandboxContext } from './context.js';
import { faultSpecSchema } from './faults.js';

/**
 * /_sandbox: what tests and people use to look inside — the records, by key — and to arm
 * faults. Not part of any PSP protocol.
 */
export function inspectRoutes(context: SandboxContext): Hono {
  const { records } = context.store;
  const app = new Hono().basePath('/_sandbox');
  const found = <T>(record: T | undefined, what: string) =>
    record === undefined
      ? Response.json({ error: `${what} not found` }, { status: 404 })
      : Response.json(record);

  app.get('/payments', (c) => c.json(records.payments()));
  app.get('/payments/:txnRef', (c) => found(records.payment(c.req.param('txnRef')), 'payment'));
  app.get('/refunds', (c) => {
    const txnRef = c.req.query('txnRef');
    return c.json(records.refunds().filter((r) => txnRef === undefined || r.txnRef === txnRef));
  });
  app.get('/refunds/:requestId', (c) => found(records.refund(c.req.param('requestId')), 'refund'));
  app.get('/payouts', (c) => c.json(records.payouts()));
  app.get('/payouts/:idempotencyKey', (c) =>
    found(records.payout(c.req.param('idempotencyKey')), 'payout'),
  );

  app.get('/faults', (c) => c.json(context.faults.list()));
  app.post('/faults', async (c) => {
    const parsed = faultSpecSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: z.prettifyError(parsed.error) }, 400);
    const fault = context.faults.arm(parsed.data);
    context.log.info(fault, 'fault armed');
    return c.json(fault, 201);
  });
  app.delete('/faults', (c) => {
    context.faults.clear();
    return c.body(null, 204);
  });
  return app;
}
