import {
  APIError,
  ConnectionError,
  ConnectionTimeoutError,
  InvalidSignatureError,
  UserAbortError,
} from '@payos/node';
import { PspPermanentError, type PspPermanentErrorCode, PspTransientError } from '../types.js';

/** payOS business codes (HTTP 200 with a non-`00` code) that say what went wrong. */
const codeMeaning: Readonly<Record<string, PspPermanentErrorCode>> = {
  // "Mã kiểm tra(signature) không hợp lệ": our checksum key is not the channel's.
  '201': 'misconfigured',
  '20': 'invalid_request',
};

/**
 * The SDK's errors in the engine's terms. Transient ones leave the payout's fate unknown (the
 * activity asks payOS under the same key before resending); permanent ones mean it was refused.
 */
export function payosError(error: unknown, what: string): Error {
  if (error instanceof PspPermanentError || error instanceof PspTransientError) return error;
  const transient = (code: ConstructorParameters<typeof PspTransientError>[0], message: string) =>
    new PspTransientError(code, `${what}: ${message}`, 'payos', { cause: error });
  const permanent = (code: PspPermanentErrorCode, message: string) =>
    new PspPermanentError(code, `${what}: ${message}`, 'payos');
  if (error instanceof ConnectionTimeoutError) return transient('timeout', 'no answer in time');
  if (error instanceof ConnectionError || error instanceof UserAbortError) {
    return transient('network', error.message);
  }
  if (error instanceof InvalidSignatureError) {
    return permanent('invalid_response', 'the answer is not signed with our checksum key');
  }
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    if (status === 408) return transient('timeout', error.message);
    if (status === 429) return transient('rate_limited', error.message);
    if (status >= 500) return transient('server_error', error.message);
    if (status === 401 || status === 403) return permanent('misconfigured', error.message);
    if (status === 409) return permanent('idempotency_conflict', error.message);
    return permanent(codeMeaning[error.code ?? ''] ?? 'invalid_request', error.message);
  }
  // Not an answer the SDK could read (a proxy's page, a cut body): payOS may have acted.
  return transient('provider_error', error instanceof Error ? error.message : String(error));
}
