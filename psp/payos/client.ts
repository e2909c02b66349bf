import { PayOS } from '@payos/node';

export interface PayosPayoutConfig {
  /** payOS's host (`https://api-merchant.payos.vn`) or the sandbox PSP's URL; a path is dropped. */
  baseUrl: string;
  /** The payout channel's own credentials, not the collection channel's. */
  clientId: string;
  apiKey: string;
  checksumKey: string;
  /** Per HTTP call; past it the call fails with PspTransientError('timeout'). */
  timeoutMs: number;
  /** Payouts per list request when paging through a period. */
  pageSize?: number;
}

/**
 * The SDK verifies an answer's `x-signature` only when there is one. A success without it gets
 * a value no HMAC has, so the SDK's own check refuses it like a forged one.
 */
async function signedAnswersOnly(input: string | URL | Request, init?: RequestInit) {
  const response = await fetch(input, init);
  const text = await response.text();
  const headers = new Headers(response.headers);
  if (response.ok && !headers.get('x-signature') && isSuccessEnvelope(text)) {
    headers.set('x-signature', 'unsigned');
  }
  return new Response(text, { status: response.status, statusText: response.statusText, headers });
}

function isSuccessEnvelope(text: string): boolean {
  try {
    const body = JSON.parse(text) as { code?: unknown; data?: unknown } | null;
    return body?.code === '00' && Boolean(body.data);
  } catch {
    return false;
  }
}

/**
 * The official SDK aimed at the payout channel. Its own retries are off: Temporal retries the
 * activity with the same idempotency key, after asking payOS what became of the first try.
 */
export const payoutClient = (config: PayosPayoutConfig): PayOS =>
  new PayOS({
    clientId: config.clientId,
    apiKey: config.apiKey,
    checksumKey: config.checksumKey,
    // Explicit, so the SDK's PAYOS_* environment defaults never apply.
    baseURL: config.baseUrl,
    partnerCode: null,
    timeout: config.timeoutMs,
    maxRetries: 0,
    logLevel: 'off',
    fetch: signedAnswersOnly,
  });
