import { PspPermanentError, PspTransientError } from '../types.js';
import { parseJsonObject, postJson } from './http.js';
import { apiResponseCode, jsonStrings, transactionApiPath } from './protocol.js';
import { checksum, verifyChecksum } from './signing.js';

export interface ApiConfig {
  baseUrl: string;
  tmnCode: string;
  hashSecret: string;
  timeoutMs: number;
  /** vnp_IpAddr: the address of the server making the request. */
  serverIp: string;
}

/**
 * One signed merchant_webapi call (querydr or refund). A success answer ("00") is returned only
 * when its checksum verifies, so a forged one never reads as a refund done. Error answers are
 * read as they come: they move no money, and when VNPay rejects our checksum (97) we cannot
 * expect it to sign with a secret we share.
 */
export async function callTransactionApi(
  config: ApiConfig,
  request: Record<string, string>,
  fields: { request: readonly string[]; response: readonly string[] },
): Promise<Record<string, string>> {
  const url = `${config.baseUrl.replace(/\/+$/, '')}${transactionApiPath}`;
  const body = { ...request, vnp_SecureHash: checksum(fields.request, request, config.hashSecret) };
  const answer = await postJson(url, JSON.stringify(body), { timeoutMs: config.timeoutMs });
  const command = request.vnp_Command;
  if (answer.status === 401 || answer.status === 403) {
    throw new PspPermanentError(
      'misconfigured',
      `${command}: ${url} answered ${answer.status}`,
      'vnpay',
    );
  }
  if (answer.status >= 400) {
    throw new PspPermanentError(
      'invalid_request',
      `${command}: ${url} answered ${answer.status}`,
      'vnpay',
    );
  }
  const object = parseJsonObject(answer.text);
  if (!object) throw invalidResponse(`${command}: the answer is not a JSON object`);
  const response = jsonStrings(object);
  const success = response.vnp_ResponseCode === apiResponseCode.success;
  if (success && !verifyChecksum(fields.response, response, config.hashSecret)) {
    throw invalidResponse(`${command}: the answer's vnp_SecureHash does not verify`);
  }
  for (const field of ['vnp_TmnCode', 'vnp_TxnRef'] as const) {
    if (response[field] && response[field] !== request[field]) {
      throw invalidResponse(`${command}: the answer is for another ${field}`);
    }
  }
  return response;
}

const invalidResponse = (message: string) =>
  new PspPermanentError('invalid_response', message, 'vnpay');

/** The failures querydr and refund share; undefined for codes the caller interprets. */
export function commonApiFailure(
  command: string,
  response: Record<string, string>,
): PspPermanentError | PspTransientError | undefined {
  const code = response.vnp_ResponseCode;
  const message = `${command}: VNPay answered ${code} ${response.vnp_Message ?? ''}`.trim();
  switch (code) {
    case apiResponseCode.invalidMerchant:
    case apiResponseCode.invalidChecksum:
      return new PspPermanentError('misconfigured', message, 'vnpay');
    case apiResponseCode.invalidFormat:
      return new PspPermanentError('invalid_request', message, 'vnpay');
    case apiResponseCode.other:
      return new PspTransientError('provider_error', message, 'vnpay');
    default:
      return undefined;
  }
}
