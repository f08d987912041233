import type { WalletContext, WechatClientCertificate, WechatCredentials } from '@counterpay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannedWalletServer } from '../testing/canned-wallet-server.ts';
import { runWithExtraCa, type ChildResult, type ChildStep } from '../testing/child-process-calls.ts';
import { p12Base64, serverCertificate, testCa } from '../testing/test-certificates.ts';
import { answerByPath, calls, connector, credentials, payRequest, refundRequest, requestFields, server, signedXml, tenpaySigner, useCannedWechat } from '../testing/wechat-test-bench.ts';
import { WechatPayConnector } from './wechatpay-connector.ts';
import { signWechatParams } from './wechatpay-sign.ts';
import { buildWechatXml } from './wechatpay-xml.ts';

useCannedWechat();

const withCredentials = (c: WechatCredentials): WalletContext => ({ credentials: c, onCall: (call) => calls.push(call) });
const partner: WechatCredentials = { ...credentials, subMchId: '1900000109', subAppId: 'wx8888888888888888' };
const refundAccepted = { result_code: 'SUCCESS', refund_id: '5000001', out_refund_no: 're_0001' };
const refundListed = { result_code: 'SUCCESS', refund_count: '1', out_refund_no_0: 're_0001', refund_id_0: '5000001', refund_status_0: 'SUCCESS' };

describe('WeChat Pay service-provider mode', () => {
  it("sends sub_mch_id and sub_appid in every request, signed with the partner's API key", async () => {
    answerByPath({ '/pay/micropay': { result_code: 'SUCCESS', sub_mch_id: partner.subMchId!, transaction_id: '4200001' } });
    expect(await connector.pay(withCredentials(partner), payRequest)).toMatchObject({ kind: 'succeeded' });
    const fields = requestFields(server.requests[0]!);
    expect(fields).toMatchObject({ appid: credentials.appId, mch_id: credentials.mchId, sub_mch_id: '1900000109', sub_appid: 'wx8888888888888888' });
    expect(fields.sign).toBe(tenpaySigner._getSign(fields, 'HMAC-SHA256'));
  });

  it('sends sub_mch_id alone when the sub-merchant has no app of its own', async () => {
    answerByPath({ '/pay/orderquery': { result_code: 'FAIL', err_code: 'ORDERNOTEXIST' } });
    await connector.query(withCredentials({ ...credentials, subMchId: '1900000109' }), 'pay_0001');
    const fields = requestFields(server.requests[0]!);
    expect(fields.sub_mch_id).toBe('1900000109');
    expect(fields.sub_appid).toBeUndefined();
  });

  it('does not trust a signed answer about another sub-merchant', async () => {
    answerByPath({ '/pay/micropay': { result_code: 'SUCCESS', sub_mch_id: '1900000999', transaction_id: '4200001' } });
    expect(await connector.pay(withCredentials(partner), payRequest)).toEqual({ kind: 'unknown', reason: 'answer is for another sub_mch_id' });
  });

  it("accepts only this sub-merchant's notifications", () => {
    const notification = (subMchId: string) => {
      const fields = { appid: credentials.appId, mch_id: credentials.mchId, sub_mch_id: subMchId, out_trade_no: 'pay_1', result_code: 'SUCCESS' };
      return buildWechatXml({ ...fields, sign: signWechatParams(fields, credentials.apiKey, 'MD5') });
    };
    expect(connector.readNotification(notification('1900000109'))!.verify(partner)).toBe(true);
    expect(connector.readNotification(notification('1900000999'))!.verify(partner)).toBe(false);
  });
});

describe('WeChat Pay client certificate on /secapi/', () => {
  const https = new WechatPayConnector({ baseUrl: 'https://api.mch.weixin.qq.com', timeoutMs: 200 });

  it('knows beforehand which flows need a certificate over HTTPS', () => {
    expect(['pay', 'createQr', 'query', 'cancel', 'close', 'refund', 'queryRefund'].filter((flow) => https.missingCertificateFor(credentials, flow as never))).toEqual(['cancel', 'refund']);
    expect(https.missingCertificateFor({ ...credentials, clientCertificate: { p12: 'AA==' } }, 'refund')).toBe(false);
    expect(connector.missingCertificateFor(credentials, 'refund')).toBe(false); // plain HTTP: the local simulator
  });

  it('sends nothing without one over HTTPS and says wallet_certificate_missing', async () => {
    const ctx = withCredentials({ ...credentials, endpoint: server.url.replace('http:', 'https:') });
    expect(await https.refund(ctx, refundRequest)).toEqual({ kind: 'not_sent', reason: 'wallet_certificate_missing' });
    expect(await https.cancel(ctx, 'pay_0001')).toEqual({ kind: 'not_sent', reason: 'wallet_certificate_missing' });
    expect(server.requests).toHaveLength(0);
    expect(calls.map((c) => [c.method, c.outcome, c.error])).toEqual([
      ['/secapi/pay/refund', 'not_sent', 'wallet_certificate_missing'],
      ['/secapi/pay/reverse', 'not_sent', 'wallet_certificate_missing'],
    ]);
  });

  it("calls the account's own endpoint instead of the connector's", async () => {
    const other = await CannedWalletServer.start();
    other.answer({ body: signedXml({ result_code: 'FAIL', err_code: 'ORDERNOTEXIST' }) });
    try {
      expect(await connector.query(withCredentials({ ...credentials, endpoint: `${other.url}/` }), 'pay_0001')).toEqual({ kind: 'not_found' });
      expect(other.requests.map((r) => r.url)).toEqual(['/pay/orderquery']);
      expect(server.requests).toHaveLength(0);
    } finally {
      await other.stop();
    }
  });
});

describe('WeChat Pay client certificate over HTTPS (the CA in NODE_EXTRA_CA_CERTS)', () => {
  const ca = testCa();
  const client = testCa([{ shortName: 'CN', value: 'Tenpay test CA' }]).issue({ subject: [{ shortName: 'CN', value: credentials.mchId }] });
  let wallet: CannedWalletServer;
  let results: ChildResult[];

  beforeAll(async () => {
    const certificate = serverCertificate(ca);
    wallet = await CannedWalletServer.start({ certPem: certificate.certPem, keyPem: certificate.keys.privateKeyPem, requestClientCertificate: true });
    wallet.answer((req) => ({ body: signedXml(req.url === '/secapi/pay/refund' ? refundAccepted : refundListed), contentType: 'text/xml' }));
    const step = (clientCertificate: WechatClientCertificate): ChildStep => ({
      call: 'connector',
      wallet: 'wechat',
      url: wallet.url,
      timeoutMs: 5_000,
      credentials: { ...credentials, clientCertificate },
      method: 'refund',
      args: [refundRequest],
    });
    results = await runWithExtraCa(ca.certPem, [step({ certPem: client.certPem, keyPem: client.keys.privateKeyPem }), step({ p12: p12Base64(client, credentials.mchId) })]);
  }, 60_000);
  afterAll(() => wallet.stop());

  it('presents the PEM certificate on /secapi/pay/refund and not on /pay/refundquery', () => {
    expect(results[0]!.result).toMatchObject({ kind: 'succeeded', walletRefundId: '5000001' });
    expect(wallet.requests.slice(0, 2).map((r) => [r.url, r.clientCertificate])).toEqual([
      ['/secapi/pay/refund', credentials.mchId],
      ['/pay/refundquery', null],
    ]);
  });

  it('presents a .p12 certificate opened with the mch_id as its password', () => {
    expect(results[1]!.result).toMatchObject({ kind: 'succeeded' });
    expect(wallet.requests.slice(2).map((r) => [r.url, r.clientCertificate])).toEqual([
      ['/secapi/pay/refund', credentials.mchId],
      ['/pay/refundquery', null],
    ]);
  });
});
