import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Encrypts secrets that must be read back (dialect salts, sign keys, wallet private keys) with
 * AES-256-GCM under the installation's master key, so a copy of the database alone reveals nothing.
 */
export class SecretBox {
  readonly #key: Buffer;
  constructor(masterKey: string | Buffer) {
    // Any length of key material is accepted; SHA-256 makes it the 32 bytes AES-256 needs.
    this.#key = createHash('sha256').update(masterKey).digest();
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
    // authTagLength pins the tag to the full 16 bytes: without it Node accepts a truncated tag (even 4
    // bytes), which would let a forger succeed after ~2^32 tries instead of 2^128.
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** API keys are stored as SHA-256 hashes: high-entropy tokens need no slow hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
