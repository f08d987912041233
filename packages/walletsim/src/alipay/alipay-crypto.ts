import { type KeyObject, createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPairSync } from 'node:crypto';

/**
 * The platform's side of Alipay RSA2 (PROTOCOLS.md §4), written independently of the gateway's
 * connector: requests are verified over every parameter except `sign`, sorted, `k=v&…`, raw values;
 * responses are signed over the exact JSON text of the `<method>_response` value.
 */
export function signingString(params: Record<string, string>, exclude: string[] = ['sign']): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== '' && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** Keys parsed once per PEM text: parsing costs several times the RSA operation itself. */
const keyObjects = new Map<string, KeyObject>();

function keyObject(pem: string, parse: (pem: string) => KeyObject): KeyObject {
  let key = keyObjects.get(pem);
  if (!key) {
    key = parse(pem);
    if (keyObjects.size >= 10_000) keyObjects.delete(keyObjects.keys().next().value!);
    keyObjects.set(pem, key);
  }
  return key;
}

export function rsa2Sign(text: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(text, 'utf8').sign(keyObject(privateKeyPem, createPrivateKey), 'base64');
}

export function rsa2Verify(text: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(text, 'utf8').verify(keyObject(publicKeyPem, createPublicKey), signature, 'base64');
  } catch {
    return false;
  }
}

export function newRsaKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
