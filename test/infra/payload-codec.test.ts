import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../infra/config.js';
import {
  EncryptionCodec,
  isEncrypted,
  KEY_ID_METADATA,
  PayloadDecryptionError,
  parseEncryptionKeys,
} from '../../infra/payload-codec.js';
import { temporalTarget } from '../../infra/temporal-client.js';

const keyA = { id: 'a', key: randomBytes(32) };
const keyB = { id: 'b', key: randomBytes(32) };
const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? undefined);
/** The one payload of a one-payload answer. */
const first = <T>(items: T[]): T => {
  const [item] = items;
  if (item === undefined) throw new Error('expected a payload');
  return item;
};
const secret = { accountNumber: '9704198526191432198', accountName: 'TRAN THI B' };

describe('EncryptionCodec', () => {
  it('round-trips, and the wire form shows neither the data nor its encoding', async () => {
    const codec = new EncryptionCodec([keyA]);
    const plain = defaultPayloadConverter.toPayload(secret);
    const sealed = first(await codec.encode([plain]));
    expect(isEncrypted(sealed)).toBe(true);
    expect(text(sealed.metadata?.[KEY_ID_METADATA])).toBe('a');
    expect(Buffer.from(sealed.data ?? new Uint8Array()).toString('latin1')).not.toContain(
      '9704198526191432198',
    );
    expect(Buffer.from(sealed.data ?? new Uint8Array()).toString('latin1')).not.toContain(
      'json/plain',
    );
    const opened = first(await codec.decode([sealed]));
    expect(defaultPayloadConverter.fromPayload(opened)).toEqual(secret);
  });

  it('rotates: the first key encrypts, old payloads still decode', async () => {
    const old = first(
      await new EncryptionCodec([keyA]).encode([defaultPayloadConverter.toPayload(1)]),
    );
    const rotated = new EncryptionCodec([keyB, keyA]);
    const fresh = first(await rotated.encode([defaultPayloadConverter.toPayload(2)]));
    expect(text(fresh.metadata?.[KEY_ID_METADATA])).toBe('b');
    const decoded = await rotated.decode([old, fresh]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([1, 2]);
    await expect(new EncryptionCodec([keyB]).decode([old])).rejects.toThrow(PayloadDecryptionError);
  });

  it('passes unencrypted payloads through decode, and refuses tampered ones', async () => {
    const codec = new EncryptionCodec([keyA]);
    const plain = defaultPayloadConverter.toPayload({ hello: 'world' });
    expect(await codec.decode([plain])).toEqual([plain]);
    const sealed = first(await codec.encode([plain]));
    const tampered = Buffer.from(sealed.data ?? new Uint8Array());
    tampered[20] = (tampered[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed, data: tampered }])).rejects.toThrow(
      PayloadDecryptionError,
    );
    // The key id is associated data: relabelling a payload with another key id does not open it.
    const both = new EncryptionCodec([keyA, { id: 'c', key: keyA.key }]);
    const relabelled = {
      ...sealed,
      metadata: { ...sealed.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('c') },
    };
    await expect(both.decode([relabelled])).rejects.toThrow(PayloadDecryptionError);
  });
});

describe('ENCRYPTION_KEYS', () => {
  const b64 = (bytes: Buffer) => bytes.toString('base64');
  it('parses id:base64key lists, the first key first', () => {
    const keys = parseEncryptionKeys(`new:${b64(keyB.key)}, old:${b64(keyA.key)}`);
    expect(Array.isArray(keys) && keys.map((k) => k.id)).toEqual(['new', 'old']);
  });
  it.each([
    ['', 'expected'],
    ['nokey', 'id:base64key'],
    [`a:${b64(randomBytes(16))}`, '32 bytes'],
    [`a:${b64(keyA.key)},a:${b64(keyB.key)}`, 'twice'],
  ])('refuses %j', (value, reason) => {
    const keys = parseEncryptionKeys(value);
    expect(Array.isArray(keys) ? 'accepted' : keys.reason).toContain(reason);
  });
  it('has a dev default, and production must set its own', () => {
    expect(parseConfig({}).ENCRYPTION_KEYS).toHaveLength(1);
    expect(() => parseConfig({ ENCRYPTION_KEYS: 'x' })).toThrow(ConfigError);
    try {
      parseConfig({ NODE_ENV: 'production' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toContain(
        'ENCRYPTION_KEYS: required when NODE_ENV=production',
      );
    }
  });
});

describe('temporalTarget (the standard Temporal environment configuration)', () => {
  it('defaults to the dev server without TLS', () => {
    const target = temporalTarget(parseConfig({}), {});
    expect(target).toEqual({ connection: { address: '127.0.0.1:7233' }, namespace: 'default' });
  });
  it('reads the address, namespace, API key (TLS on) and TLS files', () => {
    const env = {
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'secret-api-key',
    };
    const target = temporalTarget(parseConfig(env), env);
    expect(target.namespace).toBe('ns.acct');
    expect(target.connection).toMatchObject({
      address: 'ns.acct.tmprl.cloud:7233',
      apiKey: 'secret-api-key',
      tls: true,
    });
    const mtls = {
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      TEMPORAL_TLS_CLIENT_CERT_DATA: 'CERT',
      TEMPORAL_TLS_CLIENT_KEY_DATA: 'KEY',
    };
    const tls = temporalTarget(parseConfig(mtls), mtls).connection.tls;
    expect(tls).toMatchObject({ serverNameOverride: 'temporal.internal' });
    expect(text((tls as { clientCertPair: { crt: Uint8Array } }).clientCertPair.crt)).toBe('CERT');
  });
  it('reads a profile file named by TEMPORAL_CONFIG_FILE (data) and TEMPORAL_PROFILE', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'envconfig-'));
    const file = join(dir, 'temporal.toml');
    await writeFile(
      file,
      '[profile.prod]\naddress = "prod.example:7233"\nnamespace = "escrow-prod"\napi_key = "k"\n',
    );
    const env = { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' };
    const target = temporalTarget(parseConfig(env), env);
    expect(target).toMatchObject({
      namespace: 'escrow-prod',
      connection: { address: 'prod.example:7233', apiKey: 'k', tls: true },
    });
  });
});

describe('TEMPORAL_UI_ORIGIN', () => {
  it('is a comma list of origins; by default the dev server UI', async () => {
    const { apiSettingsFrom } = await import('../../api/settings.js');
    expect(apiSettingsFrom(parseConfig({})).temporalUiOrigins).toEqual([
      'http://127.0.0.1:8233',
      'http://localhost:8233',
    ]);
    const config = parseConfig({
      TEMPORAL_UI_ORIGIN: 'https://ui.example.com, http://localhost:8080',
    });
    expect(config.TEMPORAL_UI_ORIGIN).toEqual(['https://ui.example.com', 'http://localhost:8080']);
    expect(() => parseConfig({ TEMPORAL_UI_ORIGIN: 'https://ui.example.com/path' })).toThrow(
      ConfigError,
    );
  });
});
