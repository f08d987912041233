import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import { ALIPAY_ROOT_CERT_PEM } from '../testing/alipay-root-cert.ts';
import { keyPair, testCa, withEcdsaSignatureOid, type NameAttribute } from '../testing/test-certificates.ts';
import { alipayCertSn, alipayRootCertSn, pemCertificates, signatureAlgorithmOid } from './alipay-certificates.ts';

const app = keyPair();

/** What the official SDK computes for the same files (it reads them when created in certificate mode). */
function sdkSns(appCertPem: string, alipayCertPem: string, rootPem: string): { appCertSn: string; alipayCertSn: string; alipayRootCertSn: string } {
  const sdk = new AlipaySdk({ appId: '2021000000000001', privateKey: app.privateKeyPkcs8Pem, keyType: 'PKCS8', appCertContent: appCertPem, alipayPublicCertContent: alipayCertPem, alipayRootCertContent: rootPem });
  const { appCertSn, alipayCertSn, alipayRootCertSn } = sdk.config as unknown as Record<string, string>;
  return { appCertSn: appCertSn!, alipayCertSn: alipayCertSn!, alipayRootCertSn: alipayRootCertSn! };
}

describe('Alipay certificate SNs, as alipay-sdk computes them', () => {
  it.each<[string, NameAttribute[]]>([
    ['a plain issuer', [{ shortName: 'C', value: 'CN' }, { shortName: 'O', value: 'Ant Financial' }, { shortName: 'OU', value: 'Certification Authority' }, { shortName: 'CN', value: 'Ant Financial Certification Authority Class 2 R1' }]],
    ['an issuer with a comma, a plus and a quote', [{ shortName: 'O', value: 'Ant Financial, Inc. + "Partners"' }, { shortName: 'CN', value: 'Test CA; R2' }]],
    ['an issuer in Chinese with an e-mail address', [{ shortName: 'C', value: 'CN' }, { shortName: 'ST', value: '浙江省', utf8: true }, { shortName: 'L', value: '杭州', utf8: true }, { shortName: 'CN', value: '支付宝 测试 CA', utf8: true }, { shortName: 'E', value: 'ca@example.com' }]],
  ])('computes app_cert_sn, the Alipay certificate SN and alipay_root_cert_sn for %s', (_, issuer) => {
    const root = testCa(issuer);
    const secondRoot = testCa([{ shortName: 'CN', value: 'second root' }]);
    const appCert = root.issue({ subject: [{ shortName: 'CN', value: '2021000000000001' }], keys: app, serialHex: '7f3a9c000000000000000000000001' });
    const alipayCert = root.issue({ subject: [{ shortName: 'CN', value: 'Alipay RSA2' }] });
    const rootFile = [root.certPem, withEcdsaSignatureOid(secondRoot, [{ shortName: 'CN', value: 'ECC root' }]), secondRoot.certPem].join('\n');

    const expected = sdkSns(appCert.certPem, alipayCert.certPem, rootFile);
    expect(alipayCertSn(appCert.certPem)).toBe(expected.appCertSn);
    expect(alipayCertSn(alipayCert.certPem)).toBe(expected.alipayCertSn);
    expect(alipayRootCertSn(rootFile)).toBe(expected.alipayRootCertSn);
    expect(expected.alipayRootCertSn.split('_')).toHaveLength(2); // the ECC-signed certificate does not count
  });

  it("computes the root SN of Alipay's published root file (SM2, RSA, ECC and SHA-1 RSA certificates)", () => {
    const [, rsaRoot, , sha1Root] = ALIPAY_ROOT_CERT_PEM.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!;
    const expected = sdkSns(sha1Root!, rsaRoot!, ALIPAY_ROOT_CERT_PEM);
    expect(alipayRootCertSn(ALIPAY_ROOT_CERT_PEM)).toBe(expected.alipayRootCertSn);
    expect(alipayCertSn(rsaRoot!)).toBe(expected.alipayCertSn);
    expect(alipayCertSn(sha1Root!)).toBe(expected.appCertSn);
  });

  it('reads the outer signature algorithm of every certificate of the published file', () => {
    expect(pemCertificates(ALIPAY_ROOT_CERT_PEM).map(signatureAlgorithmOid)).toEqual([
      '1.2.156.10197.1.501', // SM2 with SM3
      '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
      '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
      '1.2.840.113549.1.1.5', // sha1WithRSAEncryption
    ]);
  });

  it('refuses a root file without an RSA certificate', () => {
    const ecc = withEcdsaSignatureOid(testCa(), [{ shortName: 'CN', value: 'ECC only' }]);
    expect(() => alipayRootCertSn(ecc)).toThrow('no RSA certificate');
  });
});
