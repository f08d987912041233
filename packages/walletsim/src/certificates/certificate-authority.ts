import { createSign, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { newRsaKeyPair } from '../alipay/alipay-crypto.ts';

/** One attribute of an X.509 name, in the order written (C, O, OU, CN). */
export interface NameAttribute {
  shortName: 'C' | 'O' | 'OU' | 'CN';
  value: string;
}

export type CertificateUse = 'ca' | 'server' | 'client' | 'signing';

export interface IssueRequest {
  subject: NameAttribute[];
  publicKeyPem: string;
  use: CertificateUse;
  validDays: number;
  /** Names a server certificate is valid for (DNS names and IP addresses). */
  altNames?: { dns?: string[]; ip?: string[] };
  /** `sha1` only for a legacy root, as real certificate chains still carry one. */
  digest?: 'sha256' | 'sha1';
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * A certificate authority made with node-forge: a self-signed root (or an intermediate) that issues
 * certificates. Keys come from Node's crypto and every signature is made by Node too (forge only
 * builds the ASN.1), so issuing a certificate costs milliseconds, not a pure-JavaScript RSA signature.
 */
export class CertificateAuthority {
  private constructor(
    readonly certPem: string,
    readonly keyPem: string,
  ) {}

  static fromPem(certPem: string, keyPem: string): CertificateAuthority {
    return new CertificateAuthority(certPem, keyPem);
  }

  /** A new self-signed root. */
  static createRoot(subject: NameAttribute[], validDays: number, digest: 'sha256' | 'sha1' = 'sha256'): CertificateAuthority {
    const keys = newRsaKeyPair();
    const certPem = signCertificate({ subject, publicKeyPem: keys.publicKey, use: 'ca', validDays, digest }, subject, keys.privateKey, null);
    return new CertificateAuthority(certPem, keys.privateKey);
  }

  /** A new intermediate authority issued by this one. */
  createIntermediate(subject: NameAttribute[], validDays: number): CertificateAuthority {
    const keys = newRsaKeyPair();
    return new CertificateAuthority(this.issue({ subject, publicKeyPem: keys.publicKey, use: 'ca', validDays }), keys.privateKey);
  }

  issue(request: IssueRequest): string {
    const issuer = forge.pki.certificateFromPem(this.certPem);
    return signCertificate(request, issuer.subject.attributes as NameAttribute[], this.keyPem, issuer);
  }
}

function signCertificate(request: IssueRequest, issuerName: NameAttribute[], issuerKeyPem: string, issuer: forge.pki.Certificate | null): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(request.publicKeyPem);
  // A leading 01 byte keeps the DER integer positive and the length fixed.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  // A day of slack before now: a client whose clock runs behind still accepts the certificate.
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + request.validDays * DAY_MS);
  cert.setSubject(request.subject.map(asForgeAttribute));
  cert.setIssuer(issuerName.map(asForgeAttribute));
  cert.setExtensions(extensionsFor(request, cert, issuer));
  const signer = {
    // forge has already put the to-be-signed part in cert.tbsCertificate when it calls this.
    sign: () => createSign(request.digest === 'sha1' ? 'RSA-SHA1' : 'RSA-SHA256').update(Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary')).sign(issuerKeyPem).toString('binary'),
  };
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, request.digest === 'sha1' ? forge.md.sha1.create() : forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

function asForgeAttribute(attribute: NameAttribute): forge.pki.CertificateField {
  // UTF8String for names, PrintableString for the country code, as CAs write them. forge reads
  // `valueTagClass` as the ASN.1 type tag, though its typings call it a class.
  const type = attribute.shortName === 'C' ? forge.asn1.Type.PRINTABLESTRING : forge.asn1.Type.UTF8;
  return { shortName: attribute.shortName, value: attribute.value, valueTagClass: type as unknown as forge.asn1.Class };
}

function extensionsFor(request: IssueRequest, cert: forge.pki.Certificate, issuer: forge.pki.Certificate | null): object[] {
  const identifiers: object[] = [{ name: 'subjectKeyIdentifier' }];
  const issuerKeyId = (issuer ?? cert).generateSubjectKeyIdentifier().getBytes();
  identifiers.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuerKeyId });
  switch (request.use) {
    case 'ca':
      return [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }, ...identifiers];
    case 'server': {
      const altNames = [...(request.altNames?.dns ?? []).map((value) => ({ type: 2, value })), ...(request.altNames?.ip ?? []).map((ip) => ({ type: 7, ip }))];
      return [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
        ...identifiers,
      ];
    }
    case 'client':
      return [{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true }, { name: 'extKeyUsage', clientAuth: true }, ...identifiers];
    case 'signing':
      return [{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true }, ...identifiers];
  }
}

/** A PKCS#12 file (base64) holding a certificate and its key, encrypted with the password. */
export function toPkcs12Base64(certPem: string, keyPem: string, password: string): string {
  // 3DES: readable by every OpenSSL (RC2, forge's other legacy choice, needs OpenSSL 3's legacy provider).
  const asn1 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(keyPem), [forge.pki.certificateFromPem(certPem)], password, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary').toString('base64');
}
