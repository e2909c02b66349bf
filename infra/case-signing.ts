// The service's Ed25519 key for case records (CASE_SIGNING_KEY): parsed once by infra/config.ts,
// used by the API to sign a record's chain head and digest, published as JWKS-like JSON at
// /.well-known/escrow-signing-keys, and used by `npm run case:verify` to check a signature.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

/** A public key as published: JWK members of an Ed25519 key (RFC 8037) and its key id. */
export interface SigningJwk {
  kid: string;
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface CaseSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: SigningJwk;
}

/** PKCS8 DER prefix of an Ed25519 private key: the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The development key: derived from a fixed, public phrase, so `npm run dev` and the tests need
 * no setting and sign the same way every run. Production refuses to start without its own.
 */
export const DEV_CASE_SIGNING_SEED = createHash('sha256')
  .update('escrow-engine development case signing key — not for production')
  .digest();

/**
 * A private key from CASE_SIGNING_KEY: a PKCS8 PEM (`openssl genpkey -algorithm ed25519`) or a
 * 32-byte seed in base64. Throws a readable message otherwise.
 */
export function parseSigningKey(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  if (trimmed.startsWith('-----BEGIN')) {
    key = createPrivateKey({ key: trimmed.replace(/\\n/g, '\n'), format: 'pem' });
  } else {
    const seed = Buffer.from(trimmed, 'base64');
    if (seed.length !== 32) {
      throw new Error('expected a PKCS8 PEM Ed25519 private key or a 32-byte seed in base64');
    }
    key = seedKey(seed);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'an unknown key'}`);
  }
  return key;
}

const seedKey = (seed: Buffer): KeyObject =>
  createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });

/** The public half as a JWK; the key id defaults to a thumbprint of the public key. */
export function caseSigningKey(privateKey: KeyObject | undefined, kid?: string): CaseSigningKey {
  const key = privateKey ?? seedKey(DEV_CASE_SIGNING_SEED);
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as { x: string };
  const id =
    kid ??
    `${privateKey ? 'ed25519' : 'dev-ed25519'}-${createHash('sha256').update(jwk.x).digest('hex').slice(0, 16)}`;
  return {
    kid: id,
    privateKey: key,
    publicJwk: { kid: id, kty: 'OKP', crv: 'Ed25519', x: jwk.x, alg: 'EdDSA', use: 'sig' },
  };
}

/** Ed25519 signature of the text, base64url. */
export const signText = (key: CaseSigningKey, text: string): string =>
  sign(null, Buffer.from(text, 'utf8'), key.privateKey).toString('base64url');

/** Whether `signature` (base64url) is the key's Ed25519 signature of the text. */
export function verifyText(jwk: Pick<SigningJwk, 'x'>, text: string, signature: string): boolean {
  try {
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
      format: 'jwk',
    });
    return verify(null, Buffer.from(text, 'utf8'), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
