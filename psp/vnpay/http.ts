import { PspTransientError } from '../types.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * POSTs a JSON body within timeoutMs (headers and body both). Failures where the request may or
 * may not have reached the provider become PspTransientError; 4xx answers are returned for the
 * caller to interpret.
 */
export async function postJson(
  url: string,
  body: string,
  { timeoutMs, headers = {} }: { timeoutMs: number; headers?: Record<string, string> },
): Promise<HttpAnswer> {
  let answer: HttpAnswer;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    answer = { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new PspTransientError(
        'timeout',
        `no answer from ${url} within ${timeoutMs} ms`,
        'vnpay',
        {
          cause: error,
        },
      );
    }
    throw new PspTransientError('network', `request to ${url} failed: ${String(error)}`, 'vnpay', {
      cause: error,
    });
  }
  if (answer.status === 429) {
    throw new PspTransientError('rate_limited', `${url} answered 429`, 'vnpay');
  }
  if (answer.status >= 500) {
    throw new PspTransientError('server_error', `${url} answered ${answer.status}`, 'vnpay');
  }
  return answer;
}

/** The JSON object in a body, or undefined when it is not one. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
