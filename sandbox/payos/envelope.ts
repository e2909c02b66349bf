import type { Context } from 'hono';
import { payosSignature } from './signing.js';

/** One payOS channel's credentials; the sandbox keeps the payout channel's apart. */
export interface PayosCredentials {
  clientId: string;
  apiKey: string;
  checksumKey: string;
}

/** Codes payOS answers with (protocol note §2.7, §3.6); business errors come with HTTP 200. */
export const payosCode = { success: '00', badInput: '20', badSignature: '201' } as const;

/** `{code:"00", desc, data}`, with `data` signed (§4C) in the `x-signature` header. */
export function signedReply(
  checksumKey: string,
  data: Readonly<Record<string, unknown>>,
): Response {
  return Response.json(
    { code: payosCode.success, desc: 'success', data },
    { headers: { 'x-signature': payosSignature(checksumKey, data) } },
  );
}

/** An error envelope: no data, so nothing to sign. */
export const errorReply = (code: string, desc: string, status = 200): Response =>
  Response.json({ code, desc, data: null }, { status });

/** The channel's client id and API key, or the 401 payOS answers bad credentials with. */
export function refuseStranger(c: Context, credentials: PayosCredentials): Response | undefined {
  const known =
    c.req.header('x-client-id') === credentials.clientId &&
    c.req.header('x-api-key') === credentials.apiKey;
  return known
    ? undefined
    : errorReply('401', 'Unauthorized: unknown x-client-id or x-api-key', 401);
}
