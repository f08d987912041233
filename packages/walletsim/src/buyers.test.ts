import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskAlipayLogin } from './buyers.ts';
import { type MerchantRegistration, type RunningSimulator, startSimulator } from './index.ts';
import { registerAt, tenpayFor } from './testing/tenpay-client.ts';

/**
 * The payer as the wallets name them, seen by clients that share no code with the simulator: Alipay's
 * masked buyer_logon_id and 16-digit buyer_user_id (2088…), WeChat Pay's openid; the same for every
 * payment of one consumer account or one test code, and none before anybody paid.
 */
let sim: RunningSimulator;
let merchant: MerchantRegistration;
let n = 0;
const orderNo = () => `buyer-${Date.now()}-${n++}`;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, confirmDelayMs: 200, lostAnswerDelayMs: 300 });
  merchant = await registerAt(sim.url, 'buyer test');
});
afterAll(async () => {
  await sim?.close();
});

async function admin<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as T;
}
const newConsumer = (name: string) => admin<{ id: string; login: string }>('/admin/consumers', { name });
const codeOf = async (consumerId: string, wallet: 'alipay' | 'wechat') => (await admin<{ code: string }>(`/admin/consumers/${consumerId}/codes`, { wallet })).code;

describe('Alipay buyer_logon_id and buyer_user_id', () => {
  const sdk = () =>
    new AlipaySdk({
      appId: merchant.alipay.appId,
      privateKey: merchant.alipay.appPrivateKey,
      alipayPublicKey: merchant.alipay.alipayPublicKey,
      keyType: 'PKCS8',
      gateway: `${sim.url}/gateway.do`,
      endpoint: sim.url,
    });
  type Buyer = { buyerLogonId?: string; buyerUserId?: string };
  const pay = async (authCode: string, outTradeNo = orderNo()) =>
    (await sdk().exec('alipay.trade.pay', { bizContent: { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: authCode, subject: 'tea', total_amount: '1.00' } }, { validateSign: true })) as Buyer & { code: string };
  const query = async (outTradeNo: string) => (await sdk().exec('alipay.trade.query', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true })) as Buyer & { tradeStatus?: string };

  it('names a test code\'s buyer by a masked mobile login and a 2088… id, the same in pay and query and for every payment of that code', async () => {
    const outTradeNo = orderNo();
    const paid = await pay('280000000000000001', outTradeNo);
    expect(paid.code).toBe('10000');
    expect(paid.buyerLogonId).toMatch(/^158\*{4}\d{4}$/);
    expect(paid.buyerUserId).toMatch(/^2088\d{12}$/);
    expect(await query(outTradeNo)).toMatchObject({ tradeStatus: 'TRADE_SUCCESS', buyerLogonId: paid.buyerLogonId, buyerUserId: paid.buyerUserId });
    expect(await pay('280000000000000001')).toMatchObject({ buyerLogonId: paid.buyerLogonId, buyerUserId: paid.buyerUserId });
    // Another test code is another test buyer, and its id never repeats the trade number.
    const other = await pay('280000000000000006');
    expect(other.buyerUserId).toMatch(/^2088\d{12}$/);
    expect(other.buyerUserId).not.toBe(paid.buyerUserId);
  });

  it('names a consumer by their masked login and one id across payment codes', async () => {
    const consumer = await newConsumer('Ada Lovelace');
    const first = await pay(await codeOf(consumer.id, 'alipay'));
    const second = await pay(await codeOf(consumer.id, 'alipay'));
    expect(first).toMatchObject({ code: '10000', buyerLogonId: 'ada***@sim.example' });
    expect(first.buyerUserId).toMatch(/^2088\d{12}$/);
    expect(second).toMatchObject({ buyerLogonId: first.buyerLogonId, buyerUserId: first.buyerUserId });
    const someoneElse = await pay(await codeOf((await newConsumer('Ada Other')).id, 'alipay'));
    expect(someoneElse.buyerUserId).not.toBe(first.buyerUserId);
  });

  it('names nobody on a QR order no one has paid', async () => {
    const outTradeNo = orderNo();
    await sdk().exec('alipay.trade.precreate', { bizContent: { out_trade_no: outTradeNo, subject: 'tea', total_amount: '1.00' } }, { validateSign: true });
    const waiting = await query(outTradeNo);
    expect(waiting.tradeStatus).toBe('WAIT_BUYER_PAY');
    expect(waiting.buyerLogonId).toBeUndefined();
    expect(waiting.buyerUserId).toBeUndefined();
  });

  it('masks logins as Alipay does', () => {
    expect(maskAlipayLogin('15812341562')).toBe('158****1562');
    expect(maskAlipayLogin('cdavid@qq.com')).toBe('cda***@qq.com');
    expect(maskAlipayLogin('ab@qq.com')).toBe('a***@qq.com');
  });
});

describe('WeChat Pay openid', () => {
  const OPENID = /^o[A-Za-z0-9_-]{27}$/;

  it('names a test code\'s buyer by one openid in micropay and orderquery, per merchant app', async () => {
    const tenpay = tenpayFor(sim.url, merchant.wechat);
    const outTradeNo = orderNo();
    const paid = await tenpay.micropay({ out_trade_no: outTradeNo, body: 'tea', total_fee: 100, auth_code: '130000000000000001' });
    expect(paid.openid).toMatch(OPENID);
    expect((await tenpay.orderQuery({ out_trade_no: outTradeNo })).openid).toBe(paid.openid);
    expect((await tenpay.micropay({ out_trade_no: orderNo(), body: 'tea', total_fee: 100, auth_code: '130000000000000001' })).openid).toBe(paid.openid);
    // An openid is the buyer's id under one appid: another merchant's app sees another.
    const elsewhere = tenpayFor(sim.url, (await registerAt(sim.url, 'another shop')).wechat);
    const there = await elsewhere.micropay({ out_trade_no: orderNo(), body: 'tea', total_fee: 100, auth_code: '130000000000000001' });
    expect(there.openid).toMatch(OPENID);
    expect(there.openid).not.toBe(paid.openid);
  });

  it('names a consumer by one openid across payment codes', async () => {
    const tenpay = tenpayFor(sim.url, merchant.wechat);
    const consumer = await newConsumer('Grace Hopper');
    const first = await tenpay.micropay({ out_trade_no: orderNo(), body: 'tea', total_fee: 100, auth_code: await codeOf(consumer.id, 'wechat') });
    const second = await tenpay.micropay({ out_trade_no: orderNo(), body: 'tea', total_fee: 100, auth_code: await codeOf(consumer.id, 'wechat') });
    expect(first.openid).toMatch(OPENID);
    expect(second.openid).toBe(first.openid);
  });
});
