import { createPrivateKey } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import type { AlipayCertificateCredentials, AlipayCredentials, WalletContext } from '@counterpay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerByMethod, app, calls, connector, credentials, formParams, payRequest, platform, server, signedAnswer, stranger, useCannedAlipay } from '../testing/alipay-test-bench.ts';
import { CannedWalletServer } from '../testing/canned-wallet-server.ts';
import { testCa, withEcdsaSignatureOid, type KeyPair } from '../testing/test-certificates.ts';
import { signAlipayContent, alipaySigningString, verifyAlipayContent } from './alipay-sign.ts';

useCannedAlipay();

const asKeyPair = (pair: { privateKey: string; publicKey: string }): KeyPair => ({ privateKeyPem: pair.privateKey, privateKeyPkcs8Pem: pair.privateKey, publicKeyPem: pair.publicKey });
const root = testCa([{ shortName: 'C', value: 'CN' }, { shortName: 'O', value: 'Ant Financial' }, { shortName: 'CN', value: 'Test Root R1' }]);
const appCertPem = root.issue({ subject: [{ shortName: 'CN', value: credentials.appId }], keys: asKeyPair(app) }).certPem;
const alipayCertPem = root.issue({ subject: [{ shortName: 'CN', value: 'Alipay RSA2' }], keys: asKeyPair(platform) }).certPem;
const alipayRootCertPem = [root.certPem, withEcdsaSignatureOid(testCa(), [{ shortName: 'CN', value: 'ECC root' }])].join('\n');
const certificateMode: AlipayCertificateCredentials = {
  wallet: 'alipay',
  appId: credentials.appId,
  appPrivateKey: app.privateKey,
  certificates: { appCertPem, alipayCertPem, alipayRootCertPem },
};
const withCredentials = (c: AlipayCredentials): WalletContext => ({ credentials: c, onCall: (call) => calls.push(call) });
const paid = { 'alipay.trade.pay': { code: '10000', msg: 'Success', trade_no: '2024051322001' } };

function requestVerifies(): boolean {
  const { sign, ...unsigned } = formParams(server.requests.at(-1)!);
  return verifyAlipayContent(alipaySigningString(unsigned), sign!, app.publicKey);
}

describe('Alipay private keys', () => {
  it.each([
    ['PKCS#8 (BEGIN PRIVATE KEY)', app.privateKey],
    ['PKCS#1 (BEGIN RSA PRIVATE KEY)', createPrivateKey(app.privateKey).export({ type: 'pkcs1', format: 'pem' }) as string],
  ])('signs with a %s key', async (_, appPrivateKey) => {
    answerByMethod(paid);
    expect(await connector.pay(withCredentials({ ...credentials, appPrivateKey }), payRequest)).toMatchObject({ kind: 'succeeded' });
    expect(requestVerifies()).toBe(true);
  });
});

describe('Alipay certificate mode', () => {
  it('sends app_cert_sn and alipay_root_cert_sn as alipay-sdk does, signed with the rest', async () => {
    answerByMethod({ 'alipay.trade.query': { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' } });
    const sdk = new AlipaySdk({ appId: credentials.appId, privateKey: app.privateKey, keyType: 'PKCS8', appCertContent: appCertPem, alipayPublicCertContent: alipayCertPem, alipayRootCertContent: alipayRootCertPem, gateway: `${server.url}/gateway.do`, endpoint: server.url });
    await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: 'pay_1' } }).catch(() => undefined);
    await connector.query(withCredentials(certificateMode), 'pay_1');
    const [sdkParams, ours] = server.requests.map(formParams);
    expect(ours!.app_cert_sn).toMatch(/^[0-9a-f]{32}$/);
    expect(ours!.alipay_root_cert_sn).toMatch(/^[0-9a-f]{32}$/); // the ECC certificate does not count
    expect({ app_cert_sn: ours!.app_cert_sn, alipay_root_cert_sn: ours!.alipay_root_cert_sn }).toEqual({ app_cert_sn: sdkParams!.app_cert_sn, alipay_root_cert_sn: sdkParams!.alipay_root_cert_sn });
    expect(requestVerifies()).toBe(true);
  });

  it("verifies answers with the Alipay certificate's key", async () => {
    answerByMethod(paid);
    expect(await connector.pay(withCredentials(certificateMode), payRequest)).toMatchObject({ kind: 'succeeded', walletTransactionId: '2024051322001' });
  });

  it('does not trust an answer signed by another certificate, and says which one it names', async () => {
    const content = JSON.stringify({ code: '10000', msg: 'Success', trade_no: '1' });
    server.answer({ body: `{"alipay_trade_pay_response":${content},"alipay_cert_sn":"0123456789abcdef0123456789abcdef","sign":"${signAlipayContent(content, stranger.privateKey)}"}` });
    expect(await connector.pay(withCredentials(certificateMode), payRequest)).toEqual({
      kind: 'unknown',
      reason: expect.stringMatching(/^answer signature does not verify with the Alipay certificate \(it names alipay_cert_sn 0123456789abcdef0123456789abcdef, the connected certificate is [0-9a-f]{32}\)$/),
    });
  });

  it('verifies notifications with the Alipay certificate', () => {
    const fields = { app_id: credentials.appId, out_trade_no: 'pay_1', trade_status: 'TRADE_SUCCESS' };
    const notification = (key: string) => new URLSearchParams({ ...fields, sign_type: 'RSA2', sign: signAlipayContent(alipaySigningString(fields), key) }).toString();
    expect(connector.readNotification(notification(platform.privateKey))!.verify(certificateMode)).toBe(true);
    expect(connector.readNotification(notification(stranger.privateKey))!.verify(certificateMode)).toBe(false);
  });

  it('sends nothing when a certificate cannot be read', async () => {
    const broken = { ...certificateMode, certificates: { ...certificateMode.certificates, alipayCertPem: 'not a certificate' } };
    expect(await connector.pay(withCredentials(broken), payRequest)).toMatchObject({ kind: 'failed', walletCode: 'not_sent', message: 'could not sign the request: the Alipay certificate is not a readable certificate' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('Alipay account options', () => {
  let other: CannedWalletServer;
  beforeAll(async () => {
    other = await CannedWalletServer.start();
  });
  afterAll(() => other.stop());

  it('sends app_auth_token when the account acts for another merchant', async () => {
    answerByMethod(paid);
    await connector.pay(withCredentials({ ...credentials, appAuthToken: '202405BB1234' }), payRequest);
    expect(formParams(server.requests[0]!).app_auth_token).toBe('202405BB1234');
    expect(requestVerifies()).toBe(true);
  });

  it("calls the account's own endpoint instead of the connector's", async () => {
    other.answer({ body: signedAnswer('alipay.trade.pay', paid['alipay.trade.pay']) });
    expect(await connector.pay(withCredentials({ ...credentials, endpoint: `${other.url}/gateway.do` }), payRequest)).toMatchObject({ kind: 'succeeded' });
    expect(other.requests).toHaveLength(1);
    expect(server.requests).toHaveLength(0);
  });

  it('sends nothing to an endpoint that is not a URL', async () => {
    expect(await connector.pay(withCredentials({ ...credentials, endpoint: 'hk' }), payRequest)).toEqual({ kind: 'not_sent', reason: 'the account endpoint is not a valid URL' });
    expect(server.requests).toHaveLength(0);
  });

  it('never reports a key, a certificate or a signature', async () => {
    server.answer({ status: 502, body: '' });
    const outcome = await connector.pay(withCredentials(certificateMode), payRequest);
    const reported = JSON.stringify([outcome, calls]);
    for (const secret of [app.privateKey.split('\n')[1]!, appCertPem.split('\n')[1]!, formParams(server.requests[0]!).sign!]) expect(reported).not.toContain(secret);
  });
});
