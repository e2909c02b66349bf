import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets at rest: AES-256-GCM, a random 96-bit IV per seal, sealed as IV ‖ tag ‖ ciphertext.
 * The associated data names the row a secret belongs to, so a ciphertext copied to another row
 * fails authentication instead of lending that row its secret.
 */
export interface SecretBox {
  /** Which key seals: stored beside each ciphertext, so a rotated key is noticed, not guessed. */
  readonly keyId: string;
  seal(plaintext: Buffer, associatedData: string): Buffer;
  /** Throws unless the ciphertext was sealed by this key for this associated data. */
  open(sealed: Buffer, associatedData: string): Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('a secret box key is 32 bytes (AES-256)');
  // A digest prefix names the key without revealing it.
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return {
    keyId,
    seal(plaintext, associatedData) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
    },
    open(sealed, associatedData) {
      if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed secret is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
    },
  };
}
