import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
// @temporalio/proto is CommonJS: Node's ESM loader only sees its default export.
import proto from '@temporalio/proto';

/**
 * Payload encryption for everything the engine hands Temporal (workflow input with payout
 * destinations and the buyer's IP, activity arguments and results, updates, queries, memos):
 * the server, its database and anyone reading history without a key see ciphertext.
 *
 * Each payload is serialised whole (metadata and data, as protobuf) and sealed with AES-256-GCM
 * under a random 12-byte IV; the key id is the associated data, so a payload relabelled with
 * another key id does not open. The wire form is `iv ‖ ciphertext ‖ tag` with metadata
 * `encoding: binary/encrypted` and `encryption-key-id: <id>`. Decoding passes payloads without
 * that encoding through untouched: histories recorded before encryption keep replaying.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

export interface EncryptionKey {
  /** Names the key in each payload's metadata, so a rotated-out key still decrypts. */
  id: string;
  /** 32 bytes (AES-256). */
  key: Buffer;
}

/** A payload that cannot be decrypted: unknown key id, or tampered/corrupt ciphertext. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes ? new TextDecoder().decode(bytes) : undefined;

/** Whether a payload carries our encryption (by its metadata, not its bytes). */
export const isEncrypted = (payload: Payload): boolean =>
  text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;

/**
 * AES-256-GCM codec over several keys: the first one encrypts, every one decrypts (rotation:
 * put the new key first, keep the old ones until no open history needs them).
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly current: EncryptionKey;
  private readonly byId: Map<string, Buffer>;

  constructor(keys: readonly EncryptionKey[]) {
    const [current] = keys;
    if (!current) throw new Error('EncryptionCodec needs at least one key');
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new Error(`encryption key ${id}: expected 32 bytes`);
    }
    this.current = current;
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const plain = PayloadMessage.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) },
      data: new Uint8Array(sealed),
    };
  }

  private decrypt(payload: Payload): Payload {
    if (!isEncrypted(payload)) return payload;
    const id = text(payload.metadata?.[KEY_ID_METADATA]);
    if (id === undefined) throw new PayloadDecryptionError(`payload without ${KEY_ID_METADATA}`);
    const key = this.byId.get(id);
    if (!key) throw new PayloadDecryptionError(`no encryption key with id ${JSON.stringify(id)}`);
    const sealed = Buffer.from(payload.data ?? new Uint8Array());
    if (sealed.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError('encrypted payload too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id, 'utf8'));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
      const decoded = PayloadMessage.decode(plain);
      return { metadata: decoded.metadata, data: decoded.data };
    } catch {
      throw new PayloadDecryptionError(`payload under key ${id} does not decrypt`);
    }
  }
}

/** The one data converter of every Temporal client and worker: default JSON, then encryption. */
export const createDataConverter = (keys: readonly EncryptionKey[]): DataConverter => ({
  payloadCodecs: [new EncryptionCodec(keys)],
});

/**
 * `ENCRYPTION_KEYS`: `id:base64key,id:base64key,…` (32-byte keys; the first encrypts). Returns
 * the keys or the reason the text is not such a list.
 */
export function parseEncryptionKeys(value: string): EncryptionKey[] | { reason: string } {
  const keys: EncryptionKey[] = [];
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return { reason: 'expected id:base64key[,id:base64key…]' };
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const encoded = entry.slice(colon + 1);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id))
      return { reason: 'each key is id:base64key, the id of letters, digits, . _ -' };
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32 || key.toString('base64') !== encoded)
      return { reason: `key ${id}: expected 32 bytes in base64 (openssl rand -base64 32)` };
    if (keys.some((k) => k.id === id)) return { reason: `key id ${id} appears twice` };
    keys.push({ id, key });
  }
  return keys;
}
