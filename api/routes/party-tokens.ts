import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { allow, visibleEscrow } from '../access.js';
import { signPartyToken } from '../credentials.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { hostedPageUrl } from '../pages/paths.js';
import { EscrowIdParams, IdempotencyKeyHeader, problems } from '../schemas/common.js';
import { CreatePartyTokenBody, PartyTokenSchema } from '../schemas/party-tokens.js';

const issue = createRoute({
  method: 'post',
  path: '/v1/escrows/{id}/party-tokens',
  tags: ['Party tokens'],
  summary: 'Issue a party token',
  description:
    'A signed, expiring bearer token for one escrow and one role, to hand to the buyer or the seller, and `url`: the hosted escrow page for that party (`/e/{id}?token=…`). Buyer: read, accept, extend-inspection, disputes, reject, return/ship. Seller: read, ship, milestones/deliver, disputes/respond, return/confirm, return/dispute.',
  security: bearer,
  middleware: [allow(['platform'])] as const,
  request: {
    params: EscrowIdParams,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CreatePartyTokenBody } } },
  },
  responses: {
    201: { description: 'Issued', content: { 'application/json': { schema: PartyTokenSchema } } },
    ...problems(400, 401, 403, 404, 409, 413, 415, 422, 503),
  },
});

export function partyTokenRoutes({ sql, settings, idempotent }: RouteDeps) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(issue, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const escrow = await visibleEscrow(c, sql, id);
    return idempotent(c, { body }, async () => {
      const ttl = Math.min(body.ttlSeconds, settings.partyTokenMaxTtlSeconds);
      const expiresAt = Math.floor(Date.now() / 1000) + ttl;
      const token = signPartyToken(
        { platformId: escrow.platformId, escrowId: escrow.id, role: body.role, expiresAt },
        settings.tokenSecret,
      );
      return c.json(
        {
          token,
          url: hostedPageUrl(settings.publicBaseUrl, escrow.id, token),
          escrowId: escrow.id,
          role: body.role,
          expiresAt: new Date(expiresAt * 1000).toISOString(),
        },
        201,
      );
    });
  });
}
