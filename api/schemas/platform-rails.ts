import { z } from '@hono/zod-openapi';
import { RAILS, type Rail } from '../../domain/rails.js';
import type { RailCredentials } from '../../psp/registry.js';
import { withoutControlChars } from './common.js';

// One body per rail: the fields that rail's PSP issues a merchant. Secrets are written only:
// no response carries them back.

const field = (min = 1) => withoutControlChars(z.string().min(min).max(500));
const secret = (description: string) =>
  field(16).openapi({ description: `${description} (at least 16 characters; never returned)` });

const position = z.int().min(0).max(1000).optional().openapi({
  description:
    "Order of preference, lowest first: the first is the platform's default rail. Default: after its other rails (a new rail) or where it was (a replaced one).",
});

export const RAIL_CREDENTIAL_BODIES = {
  vnpay: z
    .strictObject({
      tmnCode: field().openapi({
        description: 'vnp_TmnCode, the merchant code',
        example: 'SHOP0001',
      }),
      hashSecret: secret('vnp_HashSecret'),
      position,
    })
    .openapi('VnpayRailCredentials', {
      example: { tmnCode: 'SHOP0001', hashSecret: 'vnpay-hash-secret-from-the-portal' },
    }),
  momo: z
    .strictObject({
      partnerCode: field().openapi({ example: 'MOMOSHOP0001' }),
      accessKey: field().openapi({ description: 'accessKey (never returned)' }),
      secretKey: secret('secretKey'),
      position,
    })
    .openapi('MomoRailCredentials', {
      example: {
        partnerCode: 'MOMOSHOP0001',
        accessKey: 'momo-access-key',
        secretKey: 'momo-secret-key-from-the-portal',
        position: 0,
      },
    }),
  zalopay: z
    .strictObject({
      appId: z
        .string()
        .regex(/^\d{1,12}$/, 'a number')
        .openapi({ example: '2553' }),
      key1: secret('key1, which signs requests'),
      key2: secret('key2, which signs callbacks'),
      position,
    })
    .openapi('ZalopayRailCredentials', {
      example: {
        appId: '2553',
        key1: 'zalopay-key1-from-the-portal',
        key2: 'zalopay-key2-from-the-portal',
      },
    }),
  payos: z
    .strictObject({
      clientId: field().openapi({ description: "The payment channel's x-client-id" }),
      apiKey: secret("The payment channel's x-api-key"),
      checksumKey: secret('The checksum key'),
      position,
    })
    .openapi('PayosRailCredentials', {
      example: {
        clientId: 'payos-client-id',
        apiKey: 'payos-api-key-from-the-portal',
        checksumKey: 'payos-checksum-key-from-the-portal',
      },
    }),
} satisfies { [R in Rail]: z.ZodType<RailCredentials[R] & { position?: number | undefined }> };

export const PlatformIdParams = z.object({
  id: withoutControlChars(z.string().min(1).max(64)).openapi({
    param: { name: 'id', in: 'path' },
    example: 'plt_0a1b2c3d4e5f60718293',
  }),
});

export const PlatformRailParams = PlatformIdParams.extend({
  rail: z.enum(RAILS).openapi({ param: { name: 'rail', in: 'path' }, example: 'momo' }),
});

export const PlatformRailSchema = z
  .object({
    rail: z.enum(RAILS),
    position: z.int(),
    configuredAt: z.string().openapi({ format: 'date-time', description: 'When first set' }),
    updatedAt: z.string().openapi({ format: 'date-time', description: 'When last replaced' }),
  })
  .openapi('PlatformRail', { description: 'A rail a platform configured; never its credentials.' });

export const PlatformRailListSchema = z
  .object({
    data: z.array(PlatformRailSchema).openapi({
      description:
        "In order of preference; the first is the platform's default. Empty: the deployment's rails and credentials.",
    }),
  })
  .openapi('PlatformRailList');
