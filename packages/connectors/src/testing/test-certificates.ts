import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/**
 * Certificates for connector tests, made with node-forge from keys Node generates (fast): a CA that
 * issues server, client and Alipay-style certificates, and PKCS#12 bundles. Test material only.
 */

export interface KeyPair {
  /** PKCS#1 (`BEGIN RSA PRIVATE KEY`). */
  privateKeyPem: string;
  /** PKCS#8 (`BEGIN PRIVATE KEY`). */
  privateKeyPkcs8Pem: string;
  publicKeyPem: string;
}

export function keyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    privateKeyPkcs8Pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** A distinguished-name attribute as forge takes it; `utf8` for values beyond PrintableString. */
export interface NameAttribute {
  shortName: 'CN' | 'O' | 'OU' | 'C' | 'ST' | 'L' | 'E';
  value: string;
  utf8?: boolean;
}

export interface IssueOptions {
  subject: NameAttribute[];
  /** Server certificates: the names and addresses it is valid for. */
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore?: Date;
  notAfter?: Date;
  serialHex?: string;
  isCa?: boolean;
  keys?: KeyPair;
}

export interface Issued {
  certPem: string;
  keys: KeyPair;
}

export interface TestCa extends Issued {
  issue(options: IssueOptions): Issued;
}

export function testCa(subject: NameAttribute[] = [{ shortName: 'CN', value: 'counterpay test CA' }]): TestCa {
  const keys = keyPair();
  const certificate = build({ subject, isCa: true, keys }, subject, keys);
  return {
    certPem: certificate,
    keys,
    issue: (options) => {
      const issuedKeys = options.keys ?? keyPair();
      return { certPem: build(options, subject, keys, issuedKeys), keys: issuedKeys };
    },
  };
}

/** A server certificate for the canned wallet on 127.0.0.1 (and localhost). */
export function serverCertificate(ca: TestCa, options: Partial<IssueOptions> = {}): Issued {
  return ca.issue({ subject: [{ shortName: 'CN', value: 'wallet.test' }], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], ...options });
}

/** The certificate and key as a base64 .p12 (3DES, which Node's OpenSSL 3 reads without the legacy provider). */
export function p12Base64(issued: Issued, password: string): string {
  const p12 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(issued.keys.privateKeyPem), [forge.pki.certificateFromPem(issued.certPem)], password, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary').toString('base64');
}

/** A certificate whose outer signature algorithm claims ECDSA: Alipay's root files mix RSA, ECC and SM2. */
export function withEcdsaSignatureOid(ca: TestCa, subject: NameAttribute[]): string {
  const certificate = forge.pki.certificateFromPem(ca.issue({ subject, isCa: true }).certPem);
  certificate.signatureOid = '1.2.840.10045.4.3.2'; // ecdsa-with-SHA256; only the label matters here
  return forge.pki.certificateToPem(certificate);
}

function build(options: IssueOptions, issuer: NameAttribute[], issuerKeys: KeyPair, subjectKeys: KeyPair = issuerKeys): string {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(subjectKeys.publicKeyPem);
  // A positive serial: forge writes the hex as given, so the first digit stays below 8.
  certificate.serialNumber = options.serialHex ?? `1${randomBytes(9).toString('hex')}`;
  certificate.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  certificate.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  certificate.setSubject(options.subject.map(attribute));
  certificate.setIssuer(issuer.map(attribute));
  const altNames = [...(options.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(options.ipAddresses ?? []).map((ip) => ({ type: 7, ip }))];
  certificate.setExtensions([
    { name: 'basicConstraints', cA: options.isCa ?? false },
    ...(options.isCa ? [{ name: 'keyUsage', keyCertSign: true, cRLSign: true }] : [{ name: 'keyUsage', digitalSignature: true, keyEncipherment: true }]),
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(issuerKeys.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

function attribute(a: NameAttribute): forge.pki.CertificateField {
  const shortName = a.shortName === 'E' ? undefined : a.shortName;
  return {
    ...(shortName ? { shortName } : { name: 'emailAddress' }),
    value: a.utf8 ? forge.util.encodeUtf8(a.value) : a.value,
    ...(a.utf8 ? { valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class } : {}),
  };
}
