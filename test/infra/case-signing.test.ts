import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventHash, findChainBreaks, GENESIS_HASH } from '../../infra/case-chain.js';
import { caseSigningKey, signText, verifyText } from '../../infra/case-signing.js';
import { parseConfig } from '../../infra/config.js';

describe('CASE_SIGNING_KEY', () => {
  it('development signs with a fixed dev key; production must bring its own', () => {
    const a = caseSigningKey(parseConfig({}).CASE_SIGNING_KEY);
    const b = caseSigningKey(parseConfig({}).CASE_SIGNING_KEY);
    expect(a.publicJwk).toEqual(b.publicJwk);
    expect(a.kid).toMatch(/^dev-ed25519-/);
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow('CASE_SIGNING_KEY: required');
  });

  it('takes a PKCS8 PEM or a 32-byte base64 seed, and refuses anything else', () => {
    const pem = generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const fromPem = caseSigningKey(parseConfig({ CASE_SIGNING_KEY: pem }).CASE_SIGNING_KEY, 'k1');
    expect(fromPem.kid).toBe('k1');
    const signature = signText(fromPem, 'head');
    expect(verifyText(fromPem.publicJwk, 'head', signature)).toBe(true);
    expect(verifyText(fromPem.publicJwk, 'head!', signature)).toBe(false);
    const seed = Buffer.alloc(32, 1).toString('base64');
    expect(parseConfig({ CASE_SIGNING_KEY: seed }).CASE_SIGNING_KEY?.asymmetricKeyType).toBe(
      'ed25519',
    );
    expect(() => parseConfig({ CASE_SIGNING_KEY: 'c2hvcnQ=' })).toThrow(/CASE_SIGNING_KEY/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    expect(() => parseConfig({ CASE_SIGNING_KEY: rsa })).toThrow(/Ed25519/);
  });
});

describe('the event chain', () => {
  const event = (seq: number, prevHash: string, data: unknown = { n: seq }) => {
    const fields = {
      seq,
      type: 'x',
      status: 'funded',
      data,
      occurredAt: new Date(seq * 1000).toISOString(),
    };
    return { ...fields, prevHash, hash: eventHash({ escrowId: 'e', ...fields, prevHash }) };
  };
  it('links each event to the one before; an edit or a deletion is named by seq', () => {
    const one = event(1, GENESIS_HASH);
    const two = event(2, one.hash);
    const three = event(3, two.hash);
    expect(findChainBreaks('e', [one, two, three])).toEqual([]);
    expect(findChainBreaks('e', [one, { ...two, data: { n: 9 } }, three])[0]).toMatchObject({
      seq: 2,
      field: 'hash',
    });
    expect(findChainBreaks('e', [one, three])[0]).toMatchObject({ seq: 3, field: 'prevHash' });
    // Key order does not matter: canonical JSON.
    expect(eventHash({ escrowId: 'e', ...one, data: { n: 1 } })).toBe(one.hash);
  });
});
