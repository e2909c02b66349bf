import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClientSchema, readCommittedSchema } from '../../clients/generate.js';
import { createEscrowClient, type Schema } from '../../clients/typescript/index.js';
import { type ApiHarness, escrowBody, startApiHarness } from '../api/harness.js';

describe('the typed client (clients/typescript)', () => {
  it('schema.d.ts is what `npm run client:generate` makes of the current API', async () => {
    const [fresh, committed] = await Promise.all([generateClientSchema(), readCommittedSchema()]);
    // A plain boolean first: the diff of a 400 kB file is no message.
    const same = fresh === committed;
    expect(same, 'clients/typescript/schema.d.ts is stale: run `npm run client:generate`').toBe(
      true,
    );
  });

  describe('against the test API', () => {
    let h: ApiHarness;
    beforeAll(async () => {
      h = await startApiHarness();
    });
    afterAll(async () => {
      await h?.stop();
    });

    it('creates a platform with the ops key, then an escrow with its key, and reads it', async () => {
      const ops = createEscrowClient({ baseUrl: h.stack.apiUrl, apiKey: h.opsKey });
      const created = await ops.POST('/v1/platforms', { body: { name: 'Typed shop' } });
      expect(created.response.status, JSON.stringify(created.error)).toBe(201);
      const platformKey = created.data?.apiKey;
      if (platformKey === undefined) throw new Error('no platform key');

      const api = createEscrowClient({ baseUrl: `${h.stack.apiUrl}/`, apiKey: platformKey });
      const body = escrowBody({ reference: `typed-${Date.now()}` });
      const escrow = await api.POST('/v1/escrows', {
        body: { ...body, currency: 'VND' },
        params: { header: { 'Idempotency-Key': `typed-${body.reference}` } },
      });
      expect(escrow.response.status, JSON.stringify(escrow.error)).toBe(201);
      if (!escrow.data) throw new Error('no escrow');
      const paymentUrl: string = escrow.data.payment.url;
      expect(paymentUrl).toMatch(/^http/);

      const read = await api.GET('/v1/escrows/{id}', {
        params: { path: { id: escrow.data.id } },
      });
      expect(read.error).toBeUndefined();
      const view: Schema<'Escrow'> | undefined = read.data;
      expect(view).toMatchObject({
        id: escrow.data.id,
        reference: body.reference,
        status: 'awaiting_payment',
        amount: body.amount,
      });

      // Errors are typed too: another platform's escrow is a problem document.
      const stranger = createEscrowClient({ baseUrl: h.stack.apiUrl, apiKey: 'sk_not_a_key' });
      const refused = await stranger.GET('/v1/escrows/{id}', {
        params: { path: { id: escrow.data.id } },
      });
      expect(refused.response.status).toBe(401);
      const problem: Schema<'Problem'> | undefined = refused.error;
      expect(problem?.status).toBe(401);
    });
  });
});
