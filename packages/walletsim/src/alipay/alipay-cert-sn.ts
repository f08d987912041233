import { createHash } from 'node:crypto';
import forge from 'node-forge';

/**
 * Alipay's certificate serial numbers (证书序列号), written from Alipay's description and independently
 * of alipay-sdk: MD5 hex of the issuer name (its attributes in reverse order, `CN=…,OU=…,O=…,C=…`)
 * followed by the certificate serial number in decimal.
 */
export function alipayCertSn(pem: string): string {
  const [first] = certificates(pem);
  if (!first) throw new Error('no certificate in the PEM text');
  return snOf(first);
}

/**
 * The root certificate SN: the SNs of the chain's certificates signed with RSA (signature algorithm
 * OID 1.2.840.113549.1.1.*) joined by `_`; certificates with other algorithms are left out.
 */
export function alipayRootCertSn(pemChain: string): string {
  return certificates(pemChain)
    .filter((cert) => cert.signatureOid?.startsWith('1.2.840.113549.1.1.'))
    .map(snOf)
    .join('_');
}

function certificates(pemText: string): forge.pki.Certificate[] {
  return forge.pem
    .decode(pemText)
    .filter((message) => message.type === 'CERTIFICATE')
    .map((message) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(message.body)));
}

function snOf(cert: forge.pki.Certificate): string {
  const issuer = [...cert.issuer.attributes]
    .reverse()
    .map((attribute) => `${attribute.shortName}=${attribute.value}`)
    .join(',');
  const serial = BigInt(`0x${cert.serialNumber}`).toString(10);
  return createHash('md5').update(issuer + serial, 'utf8').digest('hex');
}
