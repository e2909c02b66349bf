import { PspPermanentError, PspTransientError } from '../types.js';
import { subReturnCode } from './protocol.js';

/** One answer of ZaloPay's API: every call answers a JSON object with return_code. */
export interface ZalopayAnswer {
  return_code: number;
  return_message?: string;
  sub_return_code?: number;
  sub_return_message?: string;
  [field: string]: unknown;
}

/**
 * POSTs a JSON body within timeoutMs. No answer, a 5xx or a 429 is transient: the request may or
 * may not have been done, and the caller looks before it sends again. ZaloPay signs none of its
 * answers, so TLS is all that vouches for them.
 */
export async function postZalopay(
  url: string,
  body: Record<string, unknown>,
  timeoutMs: number,
): Promise<ZalopayAnswer> {
  let status: number;
  let text: string;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw new PspTransientError(
      timedOut ? 'timeout' : 'network',
      timedOut ? `no answer from ${url} within ${timeoutMs} ms` : `${url} failed: ${String(error)}`,
      'zalopay',
      { cause: error },
    );
  }
  if (status === 429) throw new PspTransientError('rate_limited', `${url} answered 429`, 'zalopay');
  if (status >= 500) {
    throw new PspTransientError('server_error', `${url} answered ${status}`, 'zalopay');
  }
  const answer = parseAnswer(text);
  if (status >= 400 || !answer) {
    throw new PspPermanentError(
      'invalid_response',
      `${url} answered ${status} ${text.slice(0, 200)}`,
      'zalopay',
    );
  }
  return answer;
}

function parseAnswer(text: string): ZalopayAnswer | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const answer = value as Record<string, unknown>;
    return typeof answer.return_code === 'number' ? (answer as ZalopayAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/** The errors every call shares for a failed answer; undefined for codes the caller reads. */
export function commonFailure(
  call: string,
  answer: ZalopayAnswer,
): PspPermanentError | PspTransientError | undefined {
  const message =
    `${call}: ZaloPay answered ${answer.return_code}/${answer.sub_return_code ?? ''} ${answer.sub_return_message ?? answer.return_message ?? ''}`.trim();
  switch (answer.sub_return_code) {
    case subReturnCode.illegalAppOrSignature:
      return new PspPermanentError('misconfigured', message, 'zalopay');
    case subReturnCode.illegalData:
      return new PspPermanentError('invalid_request', message, 'zalopay');
    case subReturnCode.rateLimited:
      return new PspTransientError('rate_limited', message, 'zalopay');
    case subReturnCode.systemError:
    case subReturnCode.maintenance:
      return new PspTransientError('provider_error', message, 'zalopay');
    default:
      return undefined;
  }
}
