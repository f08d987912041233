import { createHash, type KeyObject } from 'node:crypto';
import type { AlipayCredentials } from '@counterpay/core';
import { alipayCertSn, alipayRootCertSn, certifiedPublicKey } from './alipay-certificates.ts';
import { privateKeyFrom, publicKeyFrom } from './alipay-sign.ts';

/**
 * An Alipay account's key material, read once: the key that signs requests, the key that verifies
 * answers and notifications, and in certificate mode the SNs requests carry. Nothing is sent with
 * credentials that cannot be read: a request we could not trust the answer to is not worth making.
 */
export interface AlipayKeys {
  privateKey: KeyObject;
  verifyKey: KeyObject;
  /** Certificate mode only. */
  certificateMode?: { appCertSn: string; alipayRootCertSn: string; alipayCertSn: string };
}

/** Which credential could not be read; the message names it and never quotes it. */
export class UnreadableAlipayCredentialError extends Error {
  constructor(
    readonly credential: 'app_private_key' | 'alipay_public_key' | 'app_cert' | 'alipay_cert' | 'alipay_root_cert',
    message: string,
  ) {
    super(message);
  }
}

const cache = new Map<string, AlipayKeys>();
const MAX_CACHED = 256;

/** Throws `UnreadableAlipayCredentialError`. */
export function alipayKeys(credentials: AlipayCredentials): AlipayKeys {
  const material = credentials.certificates
    ? [credentials.appPrivateKey, credentials.certificates.appCertPem, credentials.certificates.alipayCertPem, credentials.certificates.alipayRootCertPem]
    : [credentials.appPrivateKey, credentials.alipayPublicKey];
  const cacheKey = createHash('sha256').update(material.join('\0')).digest('hex');
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const keys = readKeys(credentials);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(cacheKey, keys);
  return keys;
}

function readKeys(credentials: AlipayCredentials): AlipayKeys {
  const privateKey = readRsa('app_private_key', 'the app private key is not a valid RSA private key (PEM, PKCS#1 or PKCS#8)', () => privateKeyFrom(credentials.appPrivateKey));
  if (!credentials.certificates) {
    const verifyKey = readRsa('alipay_public_key', 'the Alipay public key is not a valid RSA public key', () => publicKeyFrom(credentials.alipayPublicKey));
    return { privateKey, verifyKey };
  }
  const { appCertPem, alipayCertPem, alipayRootCertPem } = credentials.certificates;
  const appCertSn = read('app_cert', 'the app certificate is not a readable certificate', () => alipayCertSn(appCertPem));
  const alipayCertSnValue = read('alipay_cert', 'the Alipay certificate is not a readable certificate', () => alipayCertSn(alipayCertPem));
  const verifyKey = readRsa('alipay_cert', 'the Alipay certificate does not hold an RSA public key', () => certifiedPublicKey(alipayCertPem));
  const rootSn = read('alipay_root_cert', 'the Alipay root certificate file holds no readable RSA certificate', () => alipayRootCertSn(alipayRootCertPem));
  return { privateKey, verifyKey, certificateMode: { appCertSn, alipayRootCertSn: rootSn, alipayCertSn: alipayCertSnValue } };
}

function read<T>(credential: UnreadableAlipayCredentialError['credential'], message: string, parse: () => T): T {
  try {
    return parse();
  } catch {
    // The parser's own error is not repeated: it could quote key material.
    throw new UnreadableAlipayCredentialError(credential, message);
  }
}

function readRsa(credential: UnreadableAlipayCredentialError['credential'], message: string, parse: () => KeyObject): KeyObject {
  const key = read(credential, message, parse);
  if (key.asymmetricKeyType !== 'rsa') throw new UnreadableAlipayCredentialError(credential, message);
  return key;
}
