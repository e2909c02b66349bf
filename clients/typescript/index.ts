// A typed client of the Escrow Engine API: openapi-fetch over the types openapi-typescript
// generates from /openapi.json (schema.d.ts, `npm run client:generate`). Every path, parameter,
// body and answer is checked by the compiler:
//
//   const api = createEscrowClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'sk_…' });
//   const { data, error } = await api.GET('/v1/escrows/{id}', { params: { path: { id } } });
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, paths, webhooks } from './schema.js';

export type { components, operations, paths, webhooks } from './schema.js';

/** A named schema of the document: `Schema<'Escrow'>`, `Schema<'Problem'>`, … */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

/** A webhook event type: `escrow.created`, `escrow.shipped`, … */
export type WebhookEventType = keyof webhooks;

/** The body of a webhook delivery; `WebhookEvent` alone is the union of every event type's. */
export type WebhookEvent<Type extends WebhookEventType = WebhookEventType> = {
  [T in Type]: webhooks[T]['post']['requestBody']['content']['application/json'];
}[Type];

export type EscrowClient = Client<paths>;

export interface EscrowClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the API is, e.g. `http://127.0.0.1:3000` (no trailing `/v1`). */
  baseUrl: string;
  /** A platform API key (`sk_…`), a party token (`pt_…`) or the ops key; sent as a bearer token. */
  apiKey?: string;
  /** Send a fresh `Idempotency-Key` with every POST that has none (idempotencyKeys()). */
  idempotencyKeys?: boolean;
}

/** Sends `Authorization: Bearer <apiKey>` on every request that does not carry its own. */
export function bearerAuth(apiKey: string): Middleware {
  return {
    onRequest({ request }) {
      if (!request.headers.has('authorization')) {
        request.headers.set('authorization', `Bearer ${apiKey}`);
      }
      return request;
    },
  };
}

/**
 * Gives every POST without one an `Idempotency-Key` (a random UUID), so that openapi-fetch's
 * caller may retry a request the network lost without doing it twice (keep the key to retry).
 */
export function idempotencyKeys(): Middleware {
  return {
    onRequest({ request }) {
      if (request.method === 'POST' && !request.headers.has('idempotency-key')) {
        request.headers.set('idempotency-key', crypto.randomUUID());
      }
      return request;
    },
  };
}

/** A client of the API at `baseUrl`, authenticated with `apiKey` when given. */
export function createEscrowClient({
  baseUrl,
  apiKey,
  idempotencyKeys: withKeys = false,
  ...options
}: EscrowClientOptions): EscrowClient {
  const client = createClient<paths>({ ...options, baseUrl: baseUrl.replace(/\/+$/, '') });
  if (apiKey !== undefined) client.use(bearerAuth(apiKey));
  if (withKeys) client.use(idempotencyKeys());
  return client;
}
