import { z } from '@hono/zod-openapi';
import { withoutControlChars } from './common.js';
import { PlatformIdParams } from './platform-rails.js';

export const PlatformKeyParams = PlatformIdParams.extend({
  keyId: withoutControlChars(z.string().min(1).max(64)).openapi({
    param: { name: 'keyId', in: 'path' },
    example: 'key_9c1d2e3f4a5b6c7d8e9f',
  }),
});

export const PlatformKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_9c1d2e3f4a5b6c7d8e9f' }),
    prefix: z.string().openapi({
      description:
        'The start of the key, to tell keys apart (keys made before key management show only `sk_<platform id>.`).',
      example: 'sk_plt_0a1b2c3d4e5f60718293.n3C1',
    }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    lastUsedAt: z.string().nullable().openapi({
      format: 'date-time',
      description: 'When a request last authenticated with it (to the minute); null: never.',
    }),
  })
  .openapi('PlatformApiKey');

export const PlatformKeyListSchema = z.object({ data: z.array(PlatformKeySchema) });

export const CreatedPlatformKeySchema = PlatformKeySchema.extend({
  apiKey: z.string().optional().openapi({
    description:
      'The new API key, shown only in this response and stored hashed. A replay of the same Idempotency-Key omits it.',
    example: 'sk_plt_0a1b2c3d4e5f60718293.n3C1…',
  }),
}).openapi('CreatedPlatformApiKey');
