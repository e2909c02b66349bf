import { z } from '@hono/zod-openapi';
import { safeText, WindowsSchema } from './common.js';

export const CreatePlatformBody = z
  .strictObject({
    name: safeText(200),
    defaultWindows: WindowsSchema.optional().openapi({
      description: "This platform's timer defaults; an escrow's own windows override them.",
    }),
  })
  .openapi('CreatePlatform', {
    example: { name: 'Chợ Đồ Cũ', defaultWindows: { inspectionWindow: 'P5D' } },
  });

export const PlatformSchema = z
  .object({
    id: z.string().openapi({ example: 'plt_0a1b2c3d4e5f60718293' }),
    name: z.string(),
    apiKey: z.string().optional().openapi({
      description:
        'The API key, shown only in this response and stored hashed. A replay of the same Idempotency-Key omits it.',
      example: 'sk_plt_0a1b2c3d4e5f60718293.n3C1…',
    }),
    defaultWindows: z.record(z.string(), z.string()),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Platform');
