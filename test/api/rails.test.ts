import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { parseConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { createProviders } from '../../psp/from-config.js';
import { escrowBody, expectProblem, type Reply, useApiHarness } from './harness.js';

const api = useApiHarness();

/** The same database and platform, served by an app configured with only MoMo enabled. */
const momoOnly = () =>
  createApp({
    sql: api.h.db.sql,
    temporal: api.h.temporal.client,
    logger: createLogger({ level: 'silent', pretty: false }),
    providers: createProviders(parseConfig({ PAYMENT_RAILS: 'momo' })),
    settings: api.h.stack.apiSettings,
  });

const createOn = async (
  app: ReturnType<typeof createApp>,
  body: Record<string, unknown>,
): Promise<Reply> => {
  const response = await app.request('/v1/escrows', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${api.platform.apiKey}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(escrowBody(body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
};

describe('POST /v1/escrows: the payment rail', () => {
  it('a rail this deployment has not enabled is a 422 naming it and the enabled ones', async () => {
    const reply = await createOn(momoOnly(), { paymentMethod: 'vnpay' });
    expectProblem(reply, 422, 'validation-failed');
    expect(reply.body.errors).toEqual([
      {
        field: 'body.paymentMethod',
        message: 'vnpay is not enabled on this deployment (enabled: momo)',
      },
    ]);
  });

  it('without paymentMethod the first enabled rail is taken, its limits included', async () => {
    const reply = await createOn(momoOnly(), { amount: 60_000_000 });
    expectProblem(reply, 422, 'validation-failed');
    expect(reply.body.errors).toEqual([
      {
        field: 'body.amount',
        message:
          'momo takes 1000 to 50000000 VND per payment, not 60000000 (its maximum is 50000000)',
      },
    ]);
  });

  it.each([
    ['vnpay', 4_999, 'its minimum is 5000'],
    ['zalopay', 100_000_001, 'its maximum is 100000000'],
    ['payos', 1_999, 'its minimum is 2000'],
  ])('%s refuses %d VND: %s', async (paymentMethod, amount, limit) => {
    const reply = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body: escrowBody({ paymentMethod, amount, fee: 0 }),
    });
    expectProblem(reply, 422, 'validation-failed');
    expect(reply.body.errors[0]).toMatchObject({ field: 'body.amount' });
    expect(reply.body.errors[0].message).toContain(`${paymentMethod} takes`);
    expect(reply.body.errors[0].message).toContain(limit);
  });

  it('an unknown rail is refused by the schema', async () => {
    const reply = await api.h.call('POST', '/v1/escrows', {
      token: api.platform.apiKey,
      body: escrowBody({ paymentMethod: 'keypay' }),
    });
    expectProblem(reply, 422, 'validation-failed');
    expect(reply.body.errors[0]).toMatchObject({ field: 'body.paymentMethod' });
  });
});
