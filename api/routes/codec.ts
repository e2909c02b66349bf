import type { Payload } from '@temporalio/common';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { EncryptionCodec, PayloadDecryptionError } from '../../infra/payload-codec.js';
import { secretsEqual } from '../credentials.js';
import { ProblemError } from '../problem.js';
import { type ApiSettings, opsKeysOf } from '../settings.js';

/**
 * Temporal's codec server protocol, for the Temporal Web UI and `temporal --codec-endpoint`:
 * `POST /codec/decode` and `POST /codec/encode`, each `{ payloads: [{ metadata, data }] }` with
 * every bytes field in base64, answered in the same shape. Only ops may call it (the ops key as
 * `Authorization: Bearer`); a browser only from the Temporal UI's origin (CORS, preflight
 * included). Payloads without our encryption pass through decode unchanged.
 */
export interface CodecDeps {
  settings: Pick<ApiSettings, 'opsApiKey' | 'opsKeys' | 'encryptionKeys' | 'temporalUiOrigins'> & {
    /**
     * Outside production the Temporal UI's own origin may decode without a key: the dev UI has
     * no login to send one, and the development payload key is public anyway.
     */
    uiWithoutKey: boolean;
  };
}

/** A history page can carry many payloads; larger than the API's ordinary body limit. */
const CODEC_MAX_BODY_BYTES = 4 * 1024 * 1024;
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';

const base64 = z
  .string()
  .max(CODEC_MAX_BODY_BYTES)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const codecBody = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string().max(256), base64).optional().nullable(),
        data: base64.optional().nullable(),
      }),
    )
    .max(10_000),
});

const toPayload = (wire: z.infer<typeof codecBody>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(wire.metadata ?? {}).map(([key, value]) => [
      key,
      new Uint8Array(Buffer.from(value, 'base64')),
    ]),
  ),
  data: new Uint8Array(Buffer.from(wire.data ?? '', 'base64')),
});

const toWire = (payload: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value).toString('base64'),
    ]),
  ),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

const unauthenticated = (detail: string) =>
  new ProblemError(
    401,
    'unauthenticated',
    'Unauthenticated',
    detail,
    {},
    {
      'WWW-Authenticate': 'Bearer realm="escrow-codec"',
    },
  );

const foreignOrigin = (origin: string) =>
  new ProblemError(
    403,
    'forbidden-origin',
    'Origin not allowed',
    `The codec route answers browsers only from the Temporal UI (TEMPORAL_UI_ORIGIN), not ${origin}.`,
  );

export function codecRoutes({ settings }: CodecDeps): Hono {
  const codec = new EncryptionCodec(settings.encryptionKeys);
  const allowed = new Set(settings.temporalUiOrigins);

  const cors: MiddlewareHandler = async (c, next) => {
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Vary', 'Origin');
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      if (!allowed.has(origin)) throw foreignOrigin(origin);
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
    }
    if (c.req.method === 'OPTIONS') {
      if (origin === undefined) throw foreignOrigin('a request without Origin');
      c.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
      c.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    await next();
  };

  const opsKeys = opsKeysOf(settings).map((k) => k.key);
  const opsOnly: MiddlewareHandler = async (c, next) => {
    const header = c.req.header('authorization');
    const origin = c.req.header('origin');
    if (!header && settings.uiWithoutKey && origin !== undefined && allowed.has(origin)) {
      await next();
      return;
    }
    if (!header) throw unauthenticated('Send Authorization: Bearer <ops key>.');
    const token = /^Bearer +(\S{1,4096})$/i.exec(header.trim())?.[1];
    // Every key is compared, so the time taken says nothing about which came close.
    const matches = token === undefined ? [] : opsKeys.filter((key) => secretsEqual(token, key));
    if (matches.length === 0)
      throw unauthenticated('Only an ops key may decode or encode payloads.');
    await next();
  };

  const limit = bodyLimit({
    maxSize: CODEC_MAX_BODY_BYTES,
    onError: () => {
      throw new ProblemError(
        413,
        'payload-too-large',
        'Payload too large',
        `The codec route reads at most ${CODEC_MAX_BODY_BYTES} bytes.`,
      );
    },
  });

  const handle = (direction: 'decode' | 'encode') => async (c: Context) => {
    const parsed = codecBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success)
      throw new ProblemError(
        400,
        'bad-request',
        'Bad request',
        'Expected JSON { "payloads": [{ "metadata": { "<key>": "<base64>" }, "data": "<base64>" }] }.',
      );
    const payloads = parsed.data.payloads.map(toPayload);
    try {
      const result =
        direction === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
      return c.json({ payloads: result.map(toWire) });
    } catch (error) {
      if (!(error instanceof PayloadDecryptionError)) throw error;
      throw new ProblemError(
        422,
        'undecryptable-payload',
        'Payload does not decrypt',
        error.message,
      );
    }
  };

  return new Hono()
    .use('/codec/*', cors)
    .use('/codec/*', opsOnly)
    .use('/codec/*', limit)
    .post('/codec/decode', handle('decode'))
    .post('/codec/encode', handle('encode'));
}
