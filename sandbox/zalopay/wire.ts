import type { Context } from 'hono';
import { returnCode, subReturnCode } from '../../psp/zalopay/protocol.js';

/**
 * ZaloPay's wire format: requests as JSON or form fields, answers as JSON with return_code and
 * sub_return_code, HTTP 200 even for refusals.
 */

/** The request's fields as text, as they enter MACs. */
export async function readFields(c: Context): Promise<Record<string, string> | undefined> {
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(await c.req.text()));
  }
  try {
    const value: unknown = JSON.parse(await c.req.text());
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => [
        key,
        typeof field === 'string' ? field : JSON.stringify(field),
      ]),
    );
  } catch {
    return undefined;
  }
}

export const answer = (body: Record<string, unknown>): Response => Response.json(body);

export const refusal = (sub: number, message: string, extra: Record<string, unknown> = {}) =>
  answer({
    return_code: returnCode.fail,
    return_message: 'Giao dịch thất bại',
    sub_return_code: sub,
    sub_return_message: message,
    ...extra,
  });

export const badMac = () =>
  refusal(subReturnCode.illegalAppOrSignature, 'Thông tin xác thực không hợp lệ (mac)');

export const badData = (message: string) => refusal(subReturnCode.illegalData, message);

/** A whole, non-negative decimal, or undefined. */
export const wholeOf = (text: string | undefined): bigint | undefined =>
  text !== undefined && /^\d{1,18}$/.test(text) ? BigInt(text) : undefined;
