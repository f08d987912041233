import { generateKeyPairSync } from 'node:crypto';

/** A fresh 2048-bit RSA key pair as PEM (PKCS#8 private, SPKI public), the shape Alipay's console uses. */
export function rsaKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
