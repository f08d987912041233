import { createPublicKey } from 'node:crypto';
import type { AccountVerification, AlipayCredentials, WalletContext } from '@counterpay/core';
import { afterAll, describe, expect, it } from 'vitest';
import { keyFingerprint } from '../account-summary.ts';
import { answerByMethod, app, bizContent, calls, connector, credentials, formParams, platform, server, signedAnswer, stranger, useCannedAlipay } from '../testing/alipay-test-bench.ts';
import { CannedWalletServer } from '../testing/canned-wallet-server.ts';
import { serverCertificate, testCa, type KeyPair } from '../testing/test-certificates.ts';
import { AlipayConnector } from './alipay-connector.ts';

useCannedAlipay();

const verify = (c: AlipayCredentials = credentials): Promise<AccountVerification> => connector.verifyAccount({ credentials: c, onCall: (call) => calls.push(call) } satisfies WalletContext);
const answersQuery = (response: object) => answerByMethod({ 'alipay.trade.query': response });
const failure = (code: string, sub_code: string) => ({ code, msg: 'Failed', sub_code, sub_msg: `${sub_code} message` });

const servers: CannedWalletServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.stop())));

describe('Alipay verifyAccount', () => {
  it('is ok when Alipay says the probe order does not exist, after one harmless signed query', async () => {
    answersQuery(failure('40004', 'ACQ.TRADE_NOT_EXIST'));
    expect(await verify()).toMatchObject({ verdict: 'ok', message: expect.stringContaining(credentials.appId) });
    expect(server.requests).toHaveLength(1);
    expect(formParams(server.requests[0]!).method).toBe('alipay.trade.query');
    expect(bizContent(server.requests[0]!).out_trade_no).toMatch(/^verify_[0-9a-f]{24}$/);
    expect(calls).toEqual([expect.objectContaining({ method: 'alipay.trade.query', outcome: 'ok', walletCode: 'ACQ.TRADE_NOT_EXIST' })]);
  });

  it('reports app_id_unknown for isv.invalid-app-id, signed or not (Alipay cannot sign for an app it does not know)', async () => {
    answersQuery(failure('40002', 'isv.invalid-app-id'));
    expect(await verify()).toMatchObject({ verdict: 'app_id_unknown', message: expect.stringContaining('--app-id') });
    server.answer({ body: signedAnswer('alipay.trade.query', failure('40002', 'isv.invalid-app-id'), stranger.privateKey) });
    expect(await verify()).toMatchObject({ verdict: 'app_id_unknown' });
  });

  it('reports signature_rejected for isv.invalid-signature and names the private key', async () => {
    answersQuery(failure('40002', 'isv.invalid-signature'));
    expect(await verify()).toMatchObject({ verdict: 'signature_rejected', message: expect.stringContaining('--private-key-file') });
  });

  it('reports response_unverifiable when the answer does not verify with the Alipay public key', async () => {
    server.answer({ body: signedAnswer('alipay.trade.query', failure('40004', 'ACQ.TRADE_NOT_EXIST'), stranger.privateKey) });
    expect(await verify()).toMatchObject({ verdict: 'response_unverifiable', message: expect.stringContaining('--alipay-public-key-file') });
  });

  it('refuses keys it cannot read without calling Alipay', async () => {
    expect(await verify({ ...credentials, appPrivateKey: 'garbage' })).toMatchObject({ verdict: 'signature_rejected', message: expect.stringContaining('app private key') });
    expect(await verify({ ...credentials, alipayPublicKey: app.privateKey.replace('PRIVATE', 'PUBLIC') })).toMatchObject({ verdict: 'response_unverifiable' });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses an app certificate that certifies another key without calling Alipay', async () => {
    const ca = testCa();
    const otherKey: KeyPair = { privateKeyPem: stranger.privateKey, privateKeyPkcs8Pem: stranger.privateKey, publicKeyPem: stranger.publicKey };
    const platformKey: KeyPair = { privateKeyPem: platform.privateKey, privateKeyPkcs8Pem: platform.privateKey, publicKeyPem: platform.publicKey };
    const certificates = {
      appCertPem: ca.issue({ subject: [{ shortName: 'CN', value: 'app' }], keys: otherKey }).certPem,
      alipayCertPem: ca.issue({ subject: [{ shortName: 'CN', value: 'alipay' }], keys: platformKey }).certPem,
      alipayRootCertPem: ca.certPem,
    };
    expect(await verify({ wallet: 'alipay', appId: credentials.appId, appPrivateKey: app.privateKey, certificates })).toMatchObject({ verdict: 'signature_rejected', message: expect.stringContaining('--app-cert-file') });
    expect(server.requests).toHaveLength(0);
  });

  it('reports wallet_refused with what Alipay said for any other refusal', async () => {
    answersQuery(failure('40006', 'isv.insufficient-isv-permissions'));
    expect(await verify()).toMatchObject({ verdict: 'wallet_refused', message: expect.stringContaining('isv.insufficient-isv-permissions') });
  });

  it('reports endpoint_unreachable for a refused port and for a page that is not Alipay', async () => {
    const closed = await CannedWalletServer.start();
    const url = `${closed.url}/gateway.do`;
    await closed.stop();
    expect(await verify({ ...credentials, endpoint: url })).toMatchObject({ verdict: 'endpoint_unreachable', message: expect.stringContaining('ECONNREFUSED') });
    server.answer({ status: 404, body: '<html>not found</html>' });
    expect(await verify()).toMatchObject({ verdict: 'endpoint_unreachable', message: expect.stringContaining('HTTP 404') });
  });

  it('reports tls_untrusted for an endpoint whose certificate is not trusted', async () => {
    const certificate = serverCertificate(testCa());
    const https = await CannedWalletServer.start({ certPem: certificate.certPem, keyPem: certificate.keys.privateKeyPem });
    servers.push(https);
    const untrusted = new AlipayConnector({ gatewayUrl: `${https.url}/gateway.do`, timeoutMs: 2_000 });
    expect(await untrusted.verifyAccount({ credentials })).toMatchObject({ verdict: 'tls_untrusted', message: expect.stringContaining('NODE_EXTRA_CA_CERTS') });
    expect(https.requests).toHaveLength(0);
  });

  it('shows key fingerprints, never a key', async () => {
    answersQuery(failure('40004', 'ACQ.TRADE_NOT_EXIST'));
    const result = await verify();
    expect(result.summary).toEqual({
      wallet: 'alipay',
      appId: credentials.appId,
      alipayMode: 'public_key',
      actsForMerchant: false,
      keys: [
        { name: 'app private key', fingerprint: keyFingerprint(createPublicKey(app.publicKey)) },
        { name: 'Alipay public key', fingerprint: keyFingerprint(createPublicKey(platform.publicKey)) },
      ],
      certificates: [],
    });
    expect(result.summary.keys[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const shown = JSON.stringify([result, calls]);
    for (const secret of [app.privateKey.split('\n')[1]!, formParams(server.requests[0]!).sign!]) expect(shown).not.toContain(secret);
  });

  it("shows every certificate's subject, expiry and key fingerprint in certificate mode", async () => {
    const ca = testCa([{ shortName: 'CN', value: 'Test Root' }]);
    const notAfter = new Date('2031-05-01T00:00:00Z');
    const appKey: KeyPair = { privateKeyPem: app.privateKey, privateKeyPkcs8Pem: app.privateKey, publicKeyPem: app.publicKey };
    const platformKey: KeyPair = { privateKeyPem: platform.privateKey, privateKeyPkcs8Pem: platform.privateKey, publicKeyPem: platform.publicKey };
    const certificates = {
      appCertPem: ca.issue({ subject: [{ shortName: 'CN', value: credentials.appId }], keys: appKey, notAfter }).certPem,
      alipayCertPem: ca.issue({ subject: [{ shortName: 'CN', value: 'Alipay RSA2' }], keys: platformKey }).certPem,
      alipayRootCertPem: ca.certPem,
    };
    answersQuery(failure('40004', 'ACQ.TRADE_NOT_EXIST'));
    const result = await verify({ wallet: 'alipay', appId: credentials.appId, appPrivateKey: app.privateKey, certificates });
    expect(result.verdict).toBe('ok');
    expect(result.summary.alipayMode).toBe('certificate');
    expect(result.summary.certificates.map((c) => [c.name, c.subject])).toEqual([
      ['app certificate', `CN=${credentials.appId}`],
      ['Alipay certificate', 'CN=Alipay RSA2'],
      ['Alipay root certificate 1', 'CN=Test Root'],
    ]);
    expect(result.summary.certificates[0]).toMatchObject({ notAfter: notAfter.toISOString(), fingerprint: result.summary.keys[0]!.fingerprint });
    expect(result.summary.certificates[1]!.fingerprint).toBe(keyFingerprint(createPublicKey(platform.publicKey)));
  });
});
