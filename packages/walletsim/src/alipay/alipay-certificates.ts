import { CertificateAuthority, type NameAttribute } from '../certificates/certificate-authority.ts';
import type { SimMerchant, SimStore } from '../store.ts';
import { alipayCertSn, alipayRootCertSn } from './alipay-cert-sn.ts';

/** What a merchant gets for Alipay's certificate mode (公钥证书模式), as the open platform issues it. */
export interface AlipayCertificateSet {
  /** 应用公钥证书: the merchant's app public key, issued by the simulated Alipay CA. */
  appCertPem: string;
  /** 支付宝公钥证书: the platform's public key for this app. */
  alipayCertPem: string;
  /** 支付宝根证书: the root certificates. */
  alipayRootCertPem: string;
  appCertSn: string;
  alipayCertSn: string;
}

interface StoredAuthority {
  rootCertPems: string[];
  intermediate: { certPem: string; keyPem: string };
}

const AUTHORITY_RECORD = 'alipay';
const org = (cn: string): NameAttribute[] => [
  { shortName: 'C', value: 'CN' },
  { shortName: 'O', value: 'counterpay wallet simulator' },
  { shortName: 'OU', value: 'Alipay Certification Authority' },
  { shortName: 'CN', value: cn },
];

/**
 * The simulated Alipay certificate authority: two root certificates (an old SHA-1 one and a SHA-256
 * one, so the root SN joins two SNs as Alipay's does) and a "Class 1" intermediate that issues every
 * merchant's app certificate and Alipay certificate. It is kept in the simulator's store beside the
 * merchants whose certificates it signed, so a restarted simulator still accepts them.
 */
export class AlipayCertificates {
  readonly rootChainPem: string;
  readonly rootCertSn: string;

  private constructor(
    stored: StoredAuthority,
    private readonly intermediate: CertificateAuthority,
  ) {
    this.rootChainPem = stored.rootCertPems.join('');
    this.rootCertSn = alipayRootCertSn(this.rootChainPem);
  }

  static load(store: SimStore): AlipayCertificates {
    let stored = store.authorities.get(AUTHORITY_RECORD) as StoredAuthority | undefined;
    if (!stored) {
      const legacyRoot = CertificateAuthority.createRoot(org('Alipay Simulator Root CA'), 3650, 'sha1');
      const root = CertificateAuthority.createRoot(org('Alipay Simulator Root CA R1'), 3650);
      const intermediate = root.createIntermediate(org('Alipay Simulator Class 1 CA R1'), 3650);
      stored = { rootCertPems: [legacyRoot.certPem, root.certPem], intermediate: { certPem: intermediate.certPem, keyPem: intermediate.keyPem } };
      store.saveAuthority(AUTHORITY_RECORD, stored);
    }
    return new AlipayCertificates(stored, CertificateAuthority.fromPem(stored.intermediate.certPem, stored.intermediate.keyPem));
  }

  /** Issues the app certificate and the Alipay certificate of one app (leaf first, then the intermediate). */
  issueFor(input: { appId: string; merchantName: string; appPublicKey: string; platformPublicKey: string }): AlipayCertificateSet {
    const subject = (o: string, cn: string): NameAttribute[] => [
      { shortName: 'C', value: 'CN' },
      { shortName: 'O', value: o },
      { shortName: 'OU', value: 'Alipay' },
      { shortName: 'CN', value: cn },
    ];
    const chain = (leaf: string) => `${leaf}${this.intermediate.certPem}`;
    const appCertPem = chain(this.intermediate.issue({ subject: subject(input.merchantName || 'merchant', input.appId), publicKeyPem: input.appPublicKey, use: 'signing', validDays: 1825 }));
    const alipayCertPem = chain(this.intermediate.issue({ subject: subject('Alipay (wallet simulator)', `Alipay platform ${input.appId}`), publicKeyPem: input.platformPublicKey, use: 'signing', validDays: 1825 }));
    return { appCertPem, alipayCertPem, alipayRootCertPem: this.rootChainPem, appCertSn: alipayCertSn(appCertPem), alipayCertSn: alipayCertSn(alipayCertPem) };
  }
}

type Refusal = { code: string; msg: string; sub_code: string; sub_msg: string };

/**
 * Certificate mode on a request (it carries `app_cert_sn` and `alipay_root_cert_sn`): both must name
 * the merchant's certificates, or the gateway refuses it with Alipay's documented codes. Null when the
 * request is acceptable (in either mode).
 */
export function certificateModeRefusal(params: Record<string, string>, merchant: SimMerchant, rootCertSn: () => string): Refusal | null {
  const appCertSn = params.app_cert_sn;
  const rootSn = params.alipay_root_cert_sn;
  if (appCertSn === undefined && rootSn === undefined) return null;
  if (!appCertSn) return { code: '40001', msg: 'Missing Required Arguments', sub_code: 'isv.missing-app-cert-sn', sub_msg: '缺少应用公钥证书序列号 (app_cert_sn is missing)' };
  if (!rootSn) return { code: '40001', msg: 'Missing Required Arguments', sub_code: 'isv.missing-alipay-root-cert-sn', sub_msg: '缺少支付宝根证书序列号 (alipay_root_cert_sn is missing)' };
  if (appCertSn !== merchant.alipay.appCertSn) return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.app-cert-not-exist', sub_msg: '应用公钥证书不存在 (no app certificate with this app_cert_sn)' };
  if (rootSn !== rootCertSn()) return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-alipay-root-cert-sn', sub_msg: '无效支付宝根证书序列号 (alipay_root_cert_sn does not match)' };
  return null;
}
