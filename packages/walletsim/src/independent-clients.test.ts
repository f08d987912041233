import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MerchantRegistration, type RunningSimulator, startSimulator } from './index.ts';
import { registerAt, tenpayFor } from './testing/tenpay-client.ts';

/**
 * The simulator is checked by clients it shares no code with: the official `alipay-sdk` and the
 * `tenpay` WeChat Pay v2 library call it as a real merchant would, and must accept its signed answers.
 */
let sim: RunningSimulator;
let credentials: MerchantRegistration;
let n = 0;
const orderNo = () => `client-${Date.now()}-${n++}`;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, confirmDelayMs: 300, lostAnswerDelayMs: 300 });
  credentials = await registerAt(sim.url, 'client test');
});
afterAll(async () => {
  await sim?.close();
});

describe('the official alipay-sdk against the simulator', () => {
  const sdk = () =>
    new AlipaySdk({
      appId: credentials.alipay.appId,
      privateKey: credentials.alipay.appPrivateKey,
      alipayPublicKey: credentials.alipay.alipayPublicKey,
      keyType: 'PKCS8',
      gateway: `${sim.url}/gateway.do`,
      endpoint: sim.url,
    });

  it('pays with test code 1 and verifies the signed answer', async () => {
    const outTradeNo = orderNo();
    const result = await sdk().exec(
      'alipay.trade.pay',
      { bizContent: { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: '280000000000000001', subject: 'coffee', total_amount: '12.30' } },
      { validateSign: true },
    );
    expect(result).toMatchObject({ code: '10000', outTradeNo, totalAmount: '12.30' });
    const ledger = (await (await fetch(`${sim.url}/admin/ledger?merchant=${credentials.alipay.appId}`)).json()) as { charges: unknown[] };
    expect(ledger.charges).toContainEqual(expect.objectContaining({ outTradeNo, amount: 1230, status: 'paid' }));
  });

  it('answers 10003 for a password wait, then query shows TRADE_SUCCESS', async () => {
    const outTradeNo = orderNo();
    const pay = await sdk().exec('alipay.trade.pay', { bizContent: { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: '280000000000000002', subject: 's', total_amount: '1.00' } }, { validateSign: true });
    expect(pay.code).toBe('10003');
    await new Promise((r) => setTimeout(r, 400));
    const query = await sdk().exec('alipay.trade.query', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true });
    expect(query).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS' });
  });

  it('reports insufficient balance and an expired code as business failures', async () => {
    const poor = await sdk().exec('alipay.trade.pay', { bizContent: { out_trade_no: orderNo(), scene: 'bar_code', auth_code: '280000000000000003', subject: 's', total_amount: '1.00' } }, { validateSign: true });
    expect(poor).toMatchObject({ code: '40004', subCode: 'ACQ.BUYER_BALANCE_NOT_ENOUGH' });
    const expired = await sdk().exec('alipay.trade.pay', { bizContent: { out_trade_no: orderNo(), scene: 'bar_code', auth_code: '280000000000000004', subject: 's', total_amount: '1.00' } }, { validateSign: true });
    expect(expired).toMatchObject({ code: '40004', subCode: 'ACQ.PAYMENT_AUTH_CODE_INVALID' });
  });

  it('cancels a waiting trade and refunds a paid one in parts, never above the amount', async () => {
    const waiting = orderNo();
    await sdk().exec('alipay.trade.pay', { bizContent: { out_trade_no: waiting, scene: 'bar_code', auth_code: '280000000000000005', subject: 's', total_amount: '5.00' } }, { validateSign: true });
    const cancel = await sdk().exec('alipay.trade.cancel', { bizContent: { out_trade_no: waiting } }, { validateSign: true });
    expect(cancel).toMatchObject({ code: '10000', retryFlag: 'N', action: 'close' });

    const paid = orderNo();
    await sdk().exec('alipay.trade.pay', { bizContent: { out_trade_no: paid, scene: 'bar_code', auth_code: '280000000000000001', subject: 's', total_amount: '10.00' } }, { validateSign: true });
    const first = await sdk().exec('alipay.trade.refund', { bizContent: { out_trade_no: paid, refund_amount: '6.00', out_request_no: 'r1' } }, { validateSign: true });
    expect(first).toMatchObject({ code: '10000', fundChange: 'Y', refundFee: '6.00' });
    const tooMuch = await sdk().exec('alipay.trade.refund', { bizContent: { out_trade_no: paid, refund_amount: '4.01', out_request_no: 'r2' } }, { validateSign: true });
    expect(tooMuch.code).toBe('40004');
    const query = await sdk().exec('alipay.trade.fastpay.refund.query', { bizContent: { out_trade_no: paid, out_request_no: 'r1' } }, { validateSign: true });
    expect(query).toMatchObject({ code: '10000', refundStatus: 'REFUND_SUCCESS', refundAmount: '6.00' });
  });

  it('answers isv.invalid-app-id for an app id it does not know', async () => {
    const stranger = new AlipaySdk({ appId: '2021000000000000', privateKey: credentials.alipay.appPrivateKey, alipayPublicKey: credentials.alipay.alipayPublicKey, keyType: 'PKCS8', gateway: `${sim.url}/gateway.do`, endpoint: sim.url });
    // No app, so no key of its: the answer cannot verify with this app's Alipay key.
    const result = await stranger.exec('alipay.trade.query', { bizContent: { out_trade_no: 'x' } });
    expect(result).toMatchObject({ code: '40002', subCode: 'isv.invalid-app-id' });
  });

  it('registers the certificates of certificate mode beside the keys, and serves that mode over plain HTTP too', async () => {
    expect(credentials.ca).toBeUndefined();
    expect(credentials.wechat.certPem).toBeUndefined();
    const certMode = new AlipaySdk({
      appId: credentials.alipay.appId,
      privateKey: credentials.alipay.appPrivateKey,
      appCertContent: credentials.alipay.appCertPem,
      alipayPublicCertContent: credentials.alipay.alipayCertPem,
      alipayRootCertContent: credentials.alipay.alipayRootCertPem,
      keyType: 'PKCS8',
      gateway: `${sim.url}/gateway.do`,
      endpoint: sim.url,
    });
    // Two roots in the chain, as Alipay's: the root SN joins two SNs.
    expect(certMode.config.alipayRootCertSn).toMatch(/^[0-9a-f]{32}_[0-9a-f]{32}$/);
    const outTradeNo = orderNo();
    const pay = await certMode.exec('alipay.trade.pay', { bizContent: { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: '280000000000000001', subject: 'tea', total_amount: '3.00' } }, { validateSign: true });
    expect(pay).toMatchObject({ code: '10000', outTradeNo });
  });

  it('rejects a request signed with another key, in a signed answer the SDK accepts', async () => {
    const other = await registerAt(sim.url, 'other');
    const forged = new AlipaySdk({ appId: credentials.alipay.appId, privateKey: other.alipay.appPrivateKey, alipayPublicKey: credentials.alipay.alipayPublicKey, keyType: 'PKCS8', gateway: `${sim.url}/gateway.do`, endpoint: sim.url });
    const result = await forged.exec('alipay.trade.query', { bizContent: { out_trade_no: 'x' } }, { validateSign: true });
    expect(result).toMatchObject({ code: '40002', subCode: 'isv.invalid-signature' });
  });
});

describe('tenpay (WeChat Pay v2) against the simulator', () => {
  const client = (signType?: string) => {
    return { tenpay: tenpayFor(sim.url, credentials.wechat), signType };
  };

  for (const signType of ['MD5', 'HMAC-SHA256']) {
    it(`micropays, queries, refunds and reverses with ${signType} signatures the client verifies`, async () => {
      const { tenpay } = client();
      const paid = orderNo();
      const pay = await tenpay.micropay({ out_trade_no: paid, body: 'tea', total_fee: 880, auth_code: '130000000000000001', sign_type: signType });
      expect(pay).toMatchObject({ result_code: 'SUCCESS', out_trade_no: paid, total_fee: '880' });
      const query = await tenpay.orderQuery({ out_trade_no: paid, sign_type: signType });
      expect(query.trade_state).toBe('SUCCESS');
      const refund = await tenpay.refund({ out_trade_no: paid, out_refund_no: `${paid}-r`, total_fee: 880, refund_fee: 300, sign_type: signType });
      expect(refund).toMatchObject({ result_code: 'SUCCESS', refund_fee: '300' });
      const refundQuery = await tenpay.refundQuery({ out_refund_no: `${paid}-r`, sign_type: signType });
      expect(refundQuery).toMatchObject({ refund_status_0: 'SUCCESS', refund_fee_0: '300' });

      const waiting = orderNo();
      await expect(tenpay.micropay({ out_trade_no: waiting, body: 'tea', total_fee: 100, auth_code: '130000000000000005', sign_type: signType })).rejects.toThrow('USERPAYING');
      const reverse = await tenpay.reverse({ out_trade_no: waiting, sign_type: signType });
      expect(reverse).toMatchObject({ result_code: 'SUCCESS', recall: 'N' });
      expect((await tenpay.orderQuery({ out_trade_no: waiting, sign_type: signType })).trade_state).toBe('REVOKED');
    });
  }

  it('reports NOTENOUGH and AUTHCODEEXPIRE as business failures', async () => {
    const { tenpay } = client();
    await expect(tenpay.micropay({ out_trade_no: orderNo(), body: 'x', total_fee: 1, auth_code: '130000000000000003' })).rejects.toThrow('NOTENOUGH');
    await expect(tenpay.micropay({ out_trade_no: orderNo(), body: 'x', total_fee: 1, auth_code: '130000000000000004' })).rejects.toThrow('AUTHCODEEXPIRE');
  });

  it('refuses a wrong key, an unknown mch_id and an appid that is not the merchant\'s, each with its own message', async () => {
    const attempt = (config: { appid: string; mchid: string; partnerKey: string }) =>
      tenpayFor(sim.url, { appId: config.appid, mchId: config.mchid, apiKey: config.partnerKey }).orderQuery({ out_trade_no: 'x' });
    const { appId, mchId, apiKey } = credentials.wechat;
    await expect(attempt({ appid: appId, mchid: mchId, partnerKey: 'not-the-key' })).rejects.toThrow(/^签名错误$/);
    await expect(attempt({ appid: appId, mchid: '1000000000', partnerKey: apiKey })).rejects.toThrow('MCHID不存在');
    await expect(attempt({ appid: 'wx0000000000000000', mchid: mchId, partnerKey: apiKey })).rejects.toThrow(/^appid和mch_id不匹配$/);
  });
});
