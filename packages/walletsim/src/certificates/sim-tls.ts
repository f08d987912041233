import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { newRsaKeyPair } from '../alipay/alipay-crypto.ts';
import { CertificateAuthority, type NameAttribute, toPkcs12Base64 } from './certificate-authority.ts';

/** Where the simulator's CA lives in DATA_DIR (CONTRACT.md: clients trust `sim-ca.pem`). */
export const CA_CERT_FILE = 'sim-ca.pem';
export const CA_KEY_FILE = 'sim-ca-key.pem';

/** The loopback names the server certificate is valid for; the simulator never listens elsewhere. */
const LOOPBACK = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] };

const name = (cn: string): NameAttribute[] => [
  { shortName: 'C', value: 'CN' },
  { shortName: 'O', value: 'counterpay wallet simulator' },
  { shortName: 'CN', value: cn },
];

/** A client certificate as WeChat Pay issues it (apiclient_cert.pem, apiclient_key.pem, apiclient_cert.p12). */
export interface ClientCertificate {
  certPem: string;
  keyPem: string;
  /** Base64 of a PKCS#12 file with the certificate and key; its password is the mch id. */
  p12: string;
}

/**
 * The simulator over TLS: its own CA (kept in DATA_DIR when given, so a restart keeps it and the client
 * certificates it issued stay valid), a server certificate for the loopback names, and WeChat Pay
 * client certificates whose subject CN is the mch id they were issued for.
 */
export class SimTls {
  private constructor(private readonly ca: CertificateAuthority) {}

  /** Loads the CA from `caDir`, or makes one (and writes it there); without a directory it lives in memory. */
  static open(caDir: string | null): SimTls {
    if (!caDir) return new SimTls(newCa());
    const certFile = join(caDir, CA_CERT_FILE);
    const keyFile = join(caDir, CA_KEY_FILE);
    if (existsSync(certFile) && existsSync(keyFile)) {
      return new SimTls(CertificateAuthority.fromPem(readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8')));
    }
    const ca = newCa();
    mkdirSync(caDir, { recursive: true });
    writeFileSync(keyFile, ca.keyPem, { mode: 0o600 });
    writeFileSync(certFile, ca.certPem);
    return new SimTls(ca);
  }

  get caPem(): string {
    return this.ca.certPem;
  }

  /**
   * Options for the HTTPS server: a fresh server certificate each start, and client certificates
   * asked for but not required at the TLS level, so only the /secapi/ paths insist on one.
   */
  serverOptions() {
    const keys = newRsaKeyPair();
    const cert = this.ca.issue({ subject: name('localhost'), publicKeyPem: keys.publicKey, use: 'server', validDays: 365, altNames: LOOPBACK });
    return { key: keys.privateKey, cert, ca: [this.ca.certPem], requestCert: true, rejectUnauthorized: false };
  }

  issueClientCertificate(mchId: string): ClientCertificate {
    const keys = newRsaKeyPair();
    const certPem = this.ca.issue({ subject: name(mchId), publicKeyPem: keys.publicKey, use: 'client', validDays: 1825 });
    return { certPem, keyPem: keys.privateKey, p12: toPkcs12Base64(certPem, keys.privateKey, mchId) };
  }

  /** The mch id of the client certificate this connection presented, if this CA issued it (else null). */
  static clientCertificateId(socket: Socket): string | null {
    // `authorized` is true only for a certificate that chains to the server's `ca`: this simulator's CA.
    if (!(socket instanceof TLSSocket) || !socket.authorized) return null;
    const cn = socket.getPeerCertificate().subject?.CN;
    return typeof cn === 'string' ? cn : null;
  }
}

function newCa(): CertificateAuthority {
  return CertificateAuthority.createRoot(name('counterpay wallet simulator CA'), 3650);
}
