import { createHash, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * Alipay's certificate mode: the serial-number strings requests carry (`app_cert_sn`,
 * `alipay_root_cert_sn`) and the key that verifies answers. The SN rules are exactly those of the
 * official SDKs (alipay-sdk's antcertutil `getSN`): md5 hex of the issuer written most specific first
 * (`CN=…,OU=…,O=…,C=…`) followed by the serial number in decimal; the root SN joins, with `_`, the SNs
 * of the root file's certificates that are signed with RSA, in file order.
 */

/** The SN of one certificate (app certificate, Alipay certificate). Throws when `pem` holds none. */
export function alipayCertSn(pem: string): string {
  return certificateSn(new X509Certificate(pem));
}

/** The SN of Alipay's root certificate file: several certificates (RSA, ECC, SM2); only RSA-signed count. */
export function alipayRootCertSn(pem: string): string {
  const sns = pemCertificates(pem)
    .filter((der) => signatureAlgorithmOid(der).startsWith(RSA_SIGNATURES))
    .map((der) => certificateSn(new X509Certificate(der)));
  if (sns.length === 0) throw new Error('no RSA certificate in the root certificate file');
  return sns.join('_');
}

/** The public key certified by `pem` (Alipay's certificate: it verifies answers and notifications). */
export function certifiedPublicKey(pem: string): KeyObject {
  return new X509Certificate(pem).publicKey;
}

/** Every certificate of a PEM file, as DER. */
export function pemCertificates(pem: string): Buffer[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** PKCS#1 signature algorithms (sha256WithRSAEncryption, sha1WithRSAEncryption, …). */
const RSA_SIGNATURES = '1.2.840.113549.1.1';

function certificateSn(certificate: X509Certificate): string {
  return createHash('md5').update(`${issuerMostSpecificFirst(certificate.issuer)}${BigInt(`0x${certificate.serialNumber}`)}`, 'utf8').digest('hex');
}

/** The attribute names the SDK writes; any other attribute is written with an empty name, as it does. */
const SHORT_NAMES: Readonly<Record<string, string>> = { CN: 'CN', C: 'C', L: 'L', ST: 'ST', O: 'O', OU: 'OU', emailAddress: 'E' };

/**
 * Node prints the issuer one RDN per line in certificate order (`C=CN\nO=…\nCN=…`), several values of
 * one RDN joined by ` + `, values escaped as RFC 2253 says. The SDK writes the attributes in reverse
 * certificate order, unescaped, joined by `,`.
 */
function issuerMostSpecificFirst(issuer: string): string {
  const attributes = issuer
    .split('\n')
    .flatMap((rdn) => rdn.split(' + '))
    .filter((attribute) => attribute !== '')
    .map((attribute) => {
      const eq = attribute.indexOf('=');
      const name = attribute.slice(0, eq);
      return `${Object.hasOwn(SHORT_NAMES, name) ? SHORT_NAMES[name] : ''}=${unescapeRfc2253(attribute.slice(eq + 1))}`;
    });
  return attributes.reverse().join(',');
}

/** `\,` → `,`; `\0A` (a control character) → the character. */
function unescapeRfc2253(value: string): string {
  return value.replace(/\\([0-9A-Fa-f]{2}|.)/g, (_, escaped: string) => (escaped.length === 2 ? String.fromCharCode(parseInt(escaped, 16)) : escaped));
}

/**
 * The outer signatureAlgorithm OID of a DER certificate: Certificate ::= SEQUENCE { tbsCertificate,
 * signatureAlgorithm SEQUENCE { OID, … }, signature }. Node 20's X509Certificate does not expose it.
 */
export function signatureAlgorithmOid(der: Buffer): string {
  const certificate = derElement(der, 0);
  const tbs = derElement(der, certificate.contentStart);
  const algorithm = derElement(der, tbs.end);
  const oid = derElement(der, algorithm.contentStart);
  if (certificate.tag !== 0x30 || tbs.tag !== 0x30 || algorithm.tag !== 0x30 || oid.tag !== 0x06) throw new Error('not a DER certificate');
  return decodeOid(der.subarray(oid.contentStart, oid.end));
}

function derElement(der: Buffer, offset: number): { tag: number; contentStart: number; end: number } {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new Error('truncated DER');
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets < 1 || octets > 4) throw new Error('unsupported DER length');
    length = der.readUIntBE(contentStart, octets);
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, contentStart, end };
}

function decodeOid(bytes: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  const [first = 0, ...rest] = parts;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...rest].join('.');
}
