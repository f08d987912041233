import type { AccountVerification, WechatClientCertificate, WechatCredentials } from '@counterpay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannedWalletServer, type ReceivedRequest } from '../testing/canned-wallet-server.ts';
import { runWithExtraCa, type ChildStep } from '../testing/child-process-calls.ts';
import { serverCertificate, testCa } from '../testing/test-certificates.ts';
import { answerByPath, calls, connector, credentials, requestFields, server, signedXml, useCannedWechat } from '../testing/wechat-test-bench.ts';
import { buildWechatXml } from './wechatpay-xml.ts';

useCannedWechat();

const verify = (c: WechatCredentials = credentials): Promise<AccountVerification> => connector.verifyAccount({ credentials: c, onCall: (call) => calls.push(call) });
const communicationFail = (returnMsg: string) => ({ body: buildWechatXml({ return_code: 'FAIL', return_msg: returnMsg }), contentType: 'text/xml' });
const orderNotFound = { result_code: 'FAIL', err_code: 'ORDERNOTEXIST', err_code_des: 'order does not exist' };

describe('WeChat Pay verifyAccount', () => {
  it('is ok when WeChat says the probe order does not exist, after one harmless signed query', async () => {
    answerByPath({ '/pay/orderquery': orderNotFound });
    expect(await verify()).toMatchObject({ verdict: 'ok', message: expect.stringContaining(credentials.mchId) });
    expect(server.requests.map((r) => r.url)).toEqual(['/pay/orderquery']);
    expect(requestFields(server.requests[0]!).out_trade_no).toMatch(/^verify_[0-9a-f]{24}$/);
    expect(calls).toEqual([expect.objectContaining({ method: '/pay/orderquery', outcome: 'ok', walletCode: 'ORDERNOTEXIST' })]);
  });

  it.each([
    ['签名错误', 'api_key_wrong', '--api-key'],
    ['appid和mch_id不匹配', 'app_id_unknown', '--mch-id'],
    ['mch_id参数格式错误', 'app_id_unknown', '--app-id'],
    ['sub_mch_id与mch_id不匹配', 'app_id_unknown', '--sub-mch-id'],
    ['SYSTEMERROR: system busy', 'wallet_refused', 'system busy'],
  ])('maps return_msg %s to %s', async (returnMsg, verdict, hint) => {
    server.answer(communicationFail(returnMsg));
    expect(await verify()).toMatchObject({ verdict, message: expect.stringContaining(hint) });
  });

  it.each([
    ['INVALID_REQUEST', '受理关系不存在', 'app_id_unknown', '--sub-mch-id'],
    ['APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配', 'app_id_unknown', '--app-id'],
    ['NOAUTH', '商户无此接口权限', 'wallet_refused', 'NOAUTH'],
  ])('maps a signed answer %s (%s) to %s', async (err_code, err_code_des, verdict, hint) => {
    answerByPath({ '/pay/orderquery': { result_code: 'FAIL', err_code, err_code_des } });
    expect(await verify({ ...credentials, subMchId: '1999999999' })).toMatchObject({ verdict, message: expect.stringContaining(hint) });
  });

  it('reports response_unverifiable for an answer that does not verify with the API key', async () => {
    server.answer({ body: signedXml(orderNotFound, 'HMAC-SHA256', 'another key'), contentType: 'text/xml' });
    expect(await verify()).toMatchObject({ verdict: 'response_unverifiable' });
  });

  it('refuses an API key that is not 32 characters without calling WeChat', async () => {
    expect(await verify({ ...credentials, apiKey: credentials.apiKey.slice(1) })).toMatchObject({ verdict: 'api_key_wrong', message: expect.stringContaining('31 characters') });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a client certificate it cannot use without calling WeChat', async () => {
    const issued = testCa().issue({ subject: [{ shortName: 'CN', value: credentials.mchId }] });
    const mismatched: WechatClientCertificate = { certPem: issued.certPem, keyPem: testCa().keys.privateKeyPem };
    expect(await verify({ ...credentials, clientCertificate: mismatched })).toMatchObject({ verdict: 'certificate_not_accepted', message: expect.stringContaining('--cert-file') });
    expect(await verify({ ...credentials, clientCertificate: { p12: 'bm90IGEgcDEy' } })).toMatchObject({ verdict: 'certificate_not_accepted', message: expect.stringContaining('--p12-file') });
    expect(server.requests).toHaveLength(0);
  });

  it('reports endpoint_unreachable for a refused port', async () => {
    const closed = await CannedWalletServer.start();
    const url = closed.url;
    await closed.stop();
    expect(await verify({ ...credentials, endpoint: url })).toMatchObject({ verdict: 'endpoint_unreachable', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('shows the ids and the client certificate without secrets', async () => {
    const notAfter = new Date('2030-01-01T00:00:00Z');
    const issued = testCa().issue({ subject: [{ shortName: 'CN', value: credentials.mchId }], notAfter });
    answerByPath({ '/pay/orderquery': orderNotFound, '/secapi/pay/reverse': orderNotFound });
    const result = await verify({ ...credentials, subMchId: '1900000109', clientCertificate: { certPem: issued.certPem, keyPem: issued.keys.privateKeyPem } });
    expect(result.summary).toMatchObject({ wallet: 'wechat', appId: credentials.appId, mchId: credentials.mchId, subMchId: '1900000109', hasClientCertificate: true });
    expect(result.summary.certificates).toEqual([{ name: 'client certificate', subject: `CN=${credentials.mchId}`, notAfter: notAfter.toISOString(), fingerprint: result.summary.keys[0]!.fingerprint }]);
    const shown = JSON.stringify([result, calls]);
    for (const secret of [credentials.apiKey, issued.keys.privateKeyPem.split('\n')[1]!, issued.certPem.split('\n')[1]!]) expect(shown).not.toContain(secret);
  });
});

describe('WeChat Pay verifyAccount over HTTPS (the CA in NODE_EXTRA_CA_CERTS)', () => {
  const ca = testCa();
  const issued = testCa([{ shortName: 'CN', value: 'Tenpay test CA' }]).issue({ subject: [{ shortName: 'CN', value: credentials.mchId }] });
  const clientCertificate = (): WechatClientCertificate => ({ certPem: issued.certPem, keyPem: issued.keys.privateKeyPem });
  const wallets: CannedWalletServer[] = [];
  let results: unknown[];
  let seenBy: ReceivedRequest[][];

  /** Answers the probe query as a correct account's, and /secapi/ as `secapi` says. */
  async function wallet(secapi: 'accept' | 'refuse_in_answer'): Promise<CannedWalletServer> {
    const certificate = serverCertificate(ca);
    const server = await CannedWalletServer.start({ certPem: certificate.certPem, keyPem: certificate.keys.privateKeyPem, requestClientCertificate: true });
    server.answer((req) => (req.url.startsWith('/secapi/') && secapi === 'refuse_in_answer' ? communicationFail('证书验证失败 (client certificate not accepted)') : { body: signedXml(orderNotFound), contentType: 'text/xml' }));
    wallets.push(server);
    return server;
  }

  beforeAll(async () => {
    const accepting = await wallet('accept');
    const refusingInAnswer = await wallet('refuse_in_answer');
    const step = (url: string, certificate?: WechatClientCertificate): ChildStep => ({
      call: 'connector',
      wallet: 'wechat',
      url,
      timeoutMs: 5_000,
      credentials: certificate ? { ...credentials, clientCertificate: certificate } : credentials,
      method: 'verifyAccount',
      args: [],
    });
    const other = serverCertificate(testCa());
    const notTrusted = await CannedWalletServer.start({ certPem: other.certPem, keyPem: other.keys.privateKeyPem });
    wallets.push(notTrusted);
    const runs = await runWithExtraCa(ca.certPem, [
      step(accepting.url, clientCertificate()),
      step(accepting.url),
      step(refusingInAnswer.url, clientCertificate()),
      step(notTrusted.url),
    ]);
    results = runs.map((run) => run.result);
    seenBy = [accepting, refusingInAnswer, notTrusted].map((s) => s.requests);
  }, 60_000);
  afterAll(() => Promise.all(wallets.map((s) => s.stop())));

  it('is ok with a certificate WeChat accepts, presented on the /secapi/ probe only', () => {
    expect(results[0]).toMatchObject({ verdict: 'ok', message: expect.stringContaining('client certificate') });
    expect(seenBy[0]!.slice(0, 2).map((r) => [r.url, r.clientCertificate])).toEqual([
      ['/pay/orderquery', null],
      ['/secapi/pay/reverse', credentials.mchId],
    ]);
  });

  it('is ok without a certificate, and says refunds and reversals will need one', () => {
    expect(results[1]).toMatchObject({ verdict: 'ok', message: expect.stringContaining('wallet_certificate_missing') });
  });

  it('reports certificate_not_accepted when WeChat answers 证书验证失败', () => {
    expect(results[2]).toMatchObject({ verdict: 'certificate_not_accepted', message: expect.stringContaining(credentials.mchId) });
  });

  it('reports tls_untrusted for an endpoint whose certificate is not trusted', () => {
    expect(results[3]).toMatchObject({ verdict: 'tls_untrusted', message: expect.stringContaining('not trusted') });
    expect(seenBy[2]).toHaveLength(0);
  });
});
