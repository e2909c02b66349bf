import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { buildCaseRecord } from '../../store/case-record.js';
import { allow, escrowNotFound, visibleEscrow } from '../access.js';
import type { RouteDeps } from '../deps.js';
import { validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { EscrowIdParams, json, problems } from '../schemas/common.js';

const Jwk = z
  .object({
    kid: z.string().openapi({ example: 'dev-ed25519-4f1c0e2a9b8d7c6e' }),
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().openapi({ description: 'The public key, base64url (RFC 8037).' }),
    alg: z.literal('EdDSA'),
    use: z.literal('sig'),
  })
  .openapi('SigningKey');

const SigningKeys = z.object({ keys: z.array(Jwk) }).openapi('SigningKeys');

const ChainedEventSchema = z.object({
  seq: z.int(),
  type: z.string(),
  status: z.string(),
  data: z.record(z.string(), z.unknown()),
  occurredAt: z.string(),
  prevHash: z.string().nullable(),
  hash: z.string().nullable(),
});

const CaseRecordSchema = z
  .object({
    format: z.literal('escrow-case-record/1'),
    escrowId: z.string(),
    exportedAt: z.string(),
    terms: z.unknown(),
    events: z.array(ChainedEventSchema),
    evidence: z.array(
      z.object({
        id: z.string(),
        messageId: z.string(),
        seq: z.int(),
        name: z.string(),
        contentType: z.string(),
        size: z.int(),
        sha256: z.string(),
      }),
    ),
    ledger: z.array(z.unknown()),
    chain: z.object({
      hash: z.string(),
      genesis: z.string(),
      length: z.int(),
      head: z.object({ seq: z.int(), hash: z.string() }).nullable(),
    }),
    digest: z.string().openapi({
      description: 'SHA-256 of the canonical JSON of the record without `digest` and `signature`.',
    }),
    signature: z.object({
      alg: z.literal('EdDSA'),
      kid: z.string(),
      signed: z
        .string()
        .openapi({ description: 'Canonical JSON of `{ escrowId, head, digest }`.' }),
      value: z.string().openapi({ description: 'Ed25519 signature of `signed`, base64url.' }),
      jwk: Jwk,
    }),
  })
  .openapi('CaseRecord', {
    description:
      'Self-contained and signed: check it offline with `npm run case:verify FILE [--keys JWKS]`.',
  });

const caseRecord = createRoute({
  method: 'get',
  path: '/v1/escrows/{id}/case-record',
  tags: ['Escrows'],
  summary: "The escrow's signed, tamper-evident case record",
  description:
    'Terms, every event with its chain hashes (prev_hash, hash), the evidence files’ SHA-256, the ledger entries, the chain head and an Ed25519 signature of the head and the record’s digest (key at `/.well-known/escrow-signing-keys`). Allowed for the owning platform, ops and the escrow’s own party tokens.',
  security: bearer,
  middleware: [allow(['platform', 'ops', 'buyer', 'seller'])] as const,
  request: { params: EscrowIdParams },
  responses: {
    200: json(CaseRecordSchema, 'The case record'),
    ...problems(401, 403, 404, 422, 503),
  },
});

const signingKeys = createRoute({
  method: 'get',
  path: '/.well-known/escrow-signing-keys',
  tags: ['Operations'],
  summary: 'The public keys that sign case records (JWKS-like)',
  responses: { 200: json(SigningKeys, 'The keys, by kid') },
});

export function caseRecordRoutes(deps: RouteDeps) {
  const key = deps.settings.caseSigningKey;
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(caseRecord, async (c) => {
      const { id } = c.req.valid('param');
      await visibleEscrow(c, deps.sql, id);
      const record = await buildCaseRecord(deps.sql, id, key);
      if (!record) throw escrowNotFound(id);
      return c.json(record as never, 200);
    })
    .openapi(signingKeys, (c) => {
      c.header('Cache-Control', 'public, max-age=300');
      return c.json({ keys: [key.publicJwk] }, 200);
    });
}
