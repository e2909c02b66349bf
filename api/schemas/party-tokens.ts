import { z } from '@hono/zod-openapi';

export const CreatePartyTokenBody = z
  .strictObject({
    role: z.enum(['buyer', 'seller']),
    ttlSeconds: z
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(3_600)
      .openapi({ description: 'Lifetime in seconds, 60 to 604800 (7 days); default 3600.' }),
  })
  .openapi('CreatePartyToken', { example: { role: 'buyer', ttlSeconds: 3600 } });

export const PartyTokenSchema = z
  .object({
    token: z.string().openapi({
      description:
        'Bearer token for this escrow only. Buyer: read, accept, extend-inspection, disputes. Seller: read, ship, disputes/respond.',
    }),
    url: z.string().openapi({
      format: 'uri',
      description:
        'The hosted escrow page for this party (`<PUBLIC_BASE_URL>/e/{id}?token=…`): the first visit trades the token for a cookie and drops it from the address.',
    }),
    escrowId: z.string(),
    role: z.enum(['buyer', 'seller']),
    expiresAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('PartyToken');
