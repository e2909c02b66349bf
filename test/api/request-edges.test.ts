import { describe, expect, it } from 'vitest';
import { expectProblem, useApiHarness } from './harness.js';

const api = useApiHarness();

interface Operation {
  parameters?: Array<{ name: string; in: string; schema: { pattern?: string } }>;
  responses: Record<string, { headers?: Record<string, unknown> }>;
}
const operations = async () => {
  const document = (await api.h.call('GET', '/openapi.json')).body as {
    paths: Record<string, Record<string, Operation>>;
  };
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
};

const fieldsOf = (reply: { body: { errors?: Array<{ field: string }> } }) =>
  reply.body.errors?.map((e) => e.field);

describe('numeric query parameters are digits within range, else 422 naming them', () => {
  it.each([
    ['/v1/escrows/{id}/events?after=', 'query.after'],
    ['/v1/escrows/{id}/events?after=1e1', 'query.after'],
    ['/v1/escrows/{id}/events?after=%205', 'query.after'],
    ['/v1/escrows/{id}/events?after=99999999999999999999', 'query.after'],
    ['/v1/escrows/{id}/events?limit=', 'query.limit'],
    ['/v1/escrows?limit=0x10', 'query.limit'],
    ['/v1/escrows?limit=', 'query.limit'],
  ])('%s', async (path, field) => {
    const escrow = await api.h.createEscrow(api.platform.apiKey);
    const reply = await api.h.call('GET', path.replace('{id}', escrow.id), {
      token: api.platform.apiKey,
    });
    expectProblem(reply, 422, 'validation-failed');
    expect(fieldsOf(reply)).toEqual([field]);
  });

  it('an escrow list cursor whose position is out of range is refused, not a 500', async () => {
    const cursor = '99999999999999999999.esc_x';
    const reply = await api.h.call('GET', `/v1/escrows?cursor=${cursor}`, {
      token: api.platform.apiKey,
    });
    expectProblem(reply, 422, 'validation-failed');
    expect(fieldsOf(reply)).toEqual(['query.cursor']);
  });
});

describe('documented refusals', () => {
  it('an id over 64 characters is a 422, documented on every operation with an {id}', async () => {
    const reply = await api.h.call('GET', `/v1/escrows/${'e'.repeat(65)}`, {
      token: api.platform.apiKey,
    });
    expectProblem(reply, 422, 'validation-failed');
    expect(fieldsOf(reply)).toEqual(['path.id']);
    const undocumented = (await operations())
      .filter(({ path, operation }) => path.includes('{id}') && !operation.responses['422'])
      .map(({ method, path }) => `${method} ${path}`);
    expect(undocumented).toEqual([]);
  });

  it('an Idempotency-Key outside printable ASCII is a 400; every operation taking one documents the pattern and the 400', async () => {
    const reply = await api.h.call('POST', '/v1/webhook-endpoints', {
      token: api.platform.apiKey,
      body: { url: 'https://hooks.example.com/x' },
      idempotencyKey: 'clé-1',
    });
    expectProblem(reply, 400, 'invalid-idempotency-key');
    const taking = (await operations()).flatMap(({ method, path, operation }) => {
      const header = operation.parameters?.find(
        (p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key',
      );
      return header ? [{ label: `${method} ${path}`, header, operation }] : [];
    });
    expect(taking.map((t) => t.label)).toContain('post /v1/webhook-deliveries/{id}/redeliver');
    for (const { label, header, operation } of taking) {
      expect(operation.responses['400'], label).toBeDefined();
      const pattern = new RegExp(header.schema.pattern ?? '');
      expect(pattern.test('clé-1'), label).toBe(false);
      expect(pattern.test('5f0c8a9e-3b7d-4e0b-9a51-2d4c7b1e6f10'), label).toBe(true);
    }
  });

  it('every /v1 operation documents its 503 and the Retry-After header that comes with it', async () => {
    for (const { method, path, operation } of await operations()) {
      if (!path.startsWith('/v1/')) continue;
      const headers = operation.responses['503']?.headers ?? {};
      expect(Object.keys(headers), `${method} ${path}`).toContain('Retry-After');
    }
  });
});

describe('a method a known path does not take', () => {
  it.each([
    ['PUT', '/v1/escrows', 'GET, HEAD, POST'],
    ['DELETE', '/v1/escrows/esc_x', 'GET, HEAD'],
    ['GET', '/v1/escrows/esc_x/ship', 'POST'],
    ['PATCH', '/healthz', 'GET, HEAD'],
  ])('%s %s is a 405 problem with Allow: %s', async (method, path, allow) => {
    const reply = await api.h.call(method, path, { token: api.platform.apiKey });
    expectProblem(reply, 405, 'method-not-allowed');
    expect(reply.headers.get('allow')).toBe(allow);
  });

  it('an unknown path stays a 404', async () => {
    const reply = await api.h.call('PUT', '/v1/nothing-here', { token: api.platform.apiKey });
    expectProblem(reply, 404, 'not-found');
    expect(reply.headers.get('allow')).toBeNull();
  });
});
