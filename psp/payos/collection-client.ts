import { PayOS } from '@payos/node';

export interface PayosCollectionConfig {
  /** payOS's host (`https://api-merchant.payos.vn`) or the sandbox PSP's URL; a path is dropped. */
  baseUrl?: string;
  /** The payment channel's own credentials, not the payout channel's. */
  clientId: string;
  apiKey: string;
  checksumKey: string;
  /** Per HTTP call; past it the call fails with PspTransientError('timeout'). */
  timeoutMs?: number;
  /**
   * Where payOS's checkout pages live, for a link found again after a lost create answer
   * (payOS answers a GET without its checkoutUrl). Default: `https://pay.payos.vn` for payOS's
   * host, the base URL otherwise (the sandbox serves both).
   */
  checkoutBaseUrl?: string;
}

/** The local sandbox PSP (`PSP_SANDBOX_PORT`'s default). */
export const DEFAULT_PAYOS_BASE_URL = 'http://127.0.0.1:3100';
const DEFAULT_TIMEOUT_MS = 15_000;

export const checkoutBaseUrlOf = (config: PayosCollectionConfig): string => {
  if (config.checkoutBaseUrl) return config.checkoutBaseUrl.replace(/\/+$/, '');
  const base = new URL(config.baseUrl ?? DEFAULT_PAYOS_BASE_URL);
  return base.hostname === 'api-merchant.payos.vn' ? 'https://pay.payos.vn' : base.origin;
};

/**
 * The SDK checks an answer's body `signature` only when there is one. A success without it
 * gets a value no HMAC has, so the SDK's own check refuses it like a forged one.
 */
async function signedBodiesOnly(input: string | URL | Request, init?: RequestInit) {
  const response = await fetch(input, init);
  const text = await response.text();
  let body = text;
  if (response.ok) {
    try {
      const json = JSON.parse(text) as Record<string, unknown> | null;
      if (json?.code === '00' && json.data && !json.signature) {
        body = JSON.stringify({ ...json, signature: 'unsigned' });
      }
    } catch {
      // Not JSON: the SDK reports it.
    }
  }
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * The official SDK aimed at the payment channel. Its own retries are off: Temporal retries the
 * activity, and a retried create is recognised by its orderCode (payOS answers 231).
 */
export const collectionClient = (config: PayosCollectionConfig): PayOS =>
  new PayOS({
    clientId: config.clientId,
    apiKey: config.apiKey,
    checksumKey: config.checksumKey,
    // Explicit, so the SDK's PAYOS_* environment defaults never apply.
    baseURL: config.baseUrl ?? DEFAULT_PAYOS_BASE_URL,
    partnerCode: null,
    timeout: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: 0,
    logLevel: 'off',
    fetch: signedBodiesOnly,
  });
