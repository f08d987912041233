import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { CertificateSummary, KeySummary, WalletAccountSummary, WalletCredentials, WechatClientCertificate } from '@counterpay/core';
import { createSecureContext } from 'node:tls';
import { pemCertificates } from './alipay/alipay-certificates.ts';
import { privateKeyFrom, publicKeyFrom } from './alipay/alipay-sign.ts';

/**
 * What may be shown of a wallet account (`wallets list`, `wallets connect`): its ids, the fingerprint
 * of every key (SHA-256 of the public key, first 16 hex digits, so two keys can be told apart without
 * showing either) and the subject and expiry of every certificate. No I/O; never a secret.
 */
export function summarizeAccount(credentials: WalletCredentials): WalletAccountSummary {
  if (credentials.wallet === 'alipay') {
    const keys = [keySummary('app private key', () => privateKeyFrom(credentials.appPrivateKey))];
    if (!credentials.certificates) {
      keys.push(keySummary('Alipay public key', () => publicKeyFrom(credentials.alipayPublicKey)));
      return { wallet: 'alipay', appId: credentials.appId, alipayMode: 'public_key', actsForMerchant: Boolean(credentials.appAuthToken), keys, certificates: [] };
    }
    const { appCertPem, alipayCertPem, alipayRootCertPem } = credentials.certificates;
    const roots = pemCertificates(alipayRootCertPem);
    const certificates = [
      certificateSummary('app certificate', appCertPem),
      certificateSummary('Alipay certificate', alipayCertPem),
      ...(roots.length > 0 ? roots.map((der, i) => certificateSummary(`Alipay root certificate ${i + 1}`, der)) : [certificateSummary('Alipay root certificate', alipayRootCertPem)]),
    ];
    return { wallet: 'alipay', appId: credentials.appId, alipayMode: 'certificate', actsForMerchant: Boolean(credentials.appAuthToken), keys, certificates };
  }
  const client = credentials.clientCertificate;
  return {
    wallet: 'wechat',
    appId: credentials.appId,
    mchId: credentials.mchId,
    ...(credentials.subMchId ? { subMchId: credentials.subMchId } : {}),
    ...(credentials.subAppId ? { subAppId: credentials.subAppId } : {}),
    hasClientCertificate: Boolean(client),
    keys: client && 'keyPem' in client ? [keySummary('client certificate key', () => createPrivateKey(client.keyPem))] : [],
    certificates: client ? [clientCertificateSummary(client, credentials.mchId)] : [],
  };
}

/** SHA-256 of the public key (SPKI DER), first 16 hex digits. */
export function keyFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function keySummary(name: string, read: () => KeyObject): KeySummary {
  try {
    return { name, fingerprint: keyFingerprint(read()) };
  } catch {
    return { name, fingerprint: null, problem: 'not a readable key' };
  }
}

function certificateSummary(name: string, pemOrDer: string | Buffer): CertificateSummary {
  try {
    const certificate = new X509Certificate(pemOrDer);
    return { name, subject: certificate.subject.split('\n').reverse().join(', '), notAfter: new Date(certificate.validTo).toISOString(), fingerprint: keyFingerprint(certificate.publicKey) };
  } catch {
    return { name, subject: null, notAfter: null, fingerprint: null, problem: 'not a readable certificate' };
  }
}

/** The PEM pair, or the .p12 (password: the mch_id) opened the only way Node opens one: as a TLS context. */
function clientCertificateSummary(client: WechatClientCertificate, mchId: string): CertificateSummary {
  if ('certPem' in client) return certificateSummary('client certificate', client.certPem);
  let der: Buffer;
  try {
    const context = createSecureContext({ pfx: Buffer.from(client.p12, 'base64'), passphrase: mchId }).context as { getCertificate(): Buffer | null };
    der = context.getCertificate() ?? Buffer.alloc(0);
  } catch {
    return { name: 'client certificate', subject: null, notAfter: null, fingerprint: null, problem: 'not a readable .p12 file with the mch_id as its password' };
  }
  return certificateSummary('client certificate', der);
}
