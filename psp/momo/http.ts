import { PspPermanentError, PspTransientError } from '../types.js';
import { resultCode } from './protocol.js';
import { momoSignature } from './signing.js';

export interface ApiConfig {
  baseUrl: string;
  partnerCode: string;
  accessKey: string;
  secretKey: string;
  timeoutMs: number;
  lang: 'vi' | 'en';
}

/** A MoMo JSON answer: the fields as received, numbers kept as numbers. */
export type MomoAnswer = Record<string, unknown> & { resultCode: number };

const transient = (code: PspTransientError['code'], message: string, cause?: unknown) =>
  new PspTransientError(code, message, 'momo', cause === undefined ? undefined : { cause });
const permanent = (code: PspPermanentError['code'], message: string) =>
  new PspPermanentError(code, message, 'momo');

/**
 * One signed POST to the gateway. `fields` name the signed keys; the body gets partnerCode,
 * lang and the signature. Failures where the request may have reached MoMo are transient;
 * the answer must be JSON with a numeric resultCode and echo our partnerCode, orderId and
 * requestId, or it is not ours.
 */
export async function callMomo(
  config: ApiConfig,
  path: string,
  fields: readonly string[],
  request: Record<string, string | number | boolean>,
): Promise<MomoAnswer> {
  const body: Record<string, string | number | boolean> = {
    partnerCode: config.partnerCode,
    lang: config.lang,
    ...request,
  };
  const signature = momoSignature(
    fields,
    { ...body, accessKey: config.accessKey },
    config.secretKey,
  );
  const url = `${config.baseUrl.replace(/\/+$/, '')}${path}`;
  let status: number;
  let text: string;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ...body, signature }),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw transient('timeout', `no answer from ${url} within ${config.timeoutMs} ms`, error);
    }
    throw transient('network', `request to ${url} failed: ${String(error)}`, error);
  }
  if (status === 429) throw transient('rate_limited', `${url} answered 429`);
  if (status >= 500) throw transient('server_error', `${url} answered ${status}`);
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw permanent(
      status >= 400 ? 'invalid_request' : 'invalid_response',
      `${path}: HTTP ${status}, not a JSON object`,
    );
  }
  const object = answer as Record<string, unknown>;
  if (typeof object.resultCode !== 'number') {
    throw permanent('invalid_response', `${path}: the answer has no numeric resultCode`);
  }
  for (const field of ['partnerCode', 'orderId', 'requestId'] as const) {
    if (object[field] !== undefined && object[field] !== body[field]) {
      throw permanent('invalid_response', `${path}: the answer is for another ${field}`);
    }
  }
  return object as MomoAnswer;
}

/** The failures every call shares; undefined for codes the caller interprets. */
export function commonFailure(
  operation: string,
  answer: MomoAnswer,
): PspPermanentError | PspTransientError | undefined {
  const message =
    `${operation}: MoMo answered ${answer.resultCode} ${String(answer.message ?? '')}`.trim();
  switch (answer.resultCode) {
    case resultCode.accessDenied:
    case resultCode.unsupportedVersion:
    case resultCode.authFailed:
      return permanent('misconfigured', message);
    case resultCode.badFormat:
      return permanent('invalid_request', message);
    case resultCode.maintenance:
    case resultCode.unknownError:
      return transient('provider_error', message);
    default:
      return undefined;
  }
}
