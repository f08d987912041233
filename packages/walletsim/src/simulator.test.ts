import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_VALIDITY_MS } from './admin-routes.ts';
import { type RunningSimulator, startSimulator } from './index.ts';
import { buildXml, parseXml, wechatSign } from './wechat/wechat-crypto.ts';

let sim: RunningSimulator;
let merchant: { wechat: { appId: string; mchId: string; apiKey: string } };
let n = 0;
const orderNo = () => `sim-${Date.now()}-${n++}`;

async function json<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sim.url}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body: JSON.stringify(body) } : {}) });
  return (await response.json()) as T;
}

/** A signed WeChat Pay v2 call, built with the simulator's own signing (checked against the vector below). */
async function wechat(path: string, fields: Record<string, string>): Promise<{ status: number; fields: Record<string, string> | null }> {
  const params = { appid: merchant.wechat.appId, mch_id: merchant.wechat.mchId, nonce_str: String(Math.random()).slice(2), ...fields };
  const response = await fetch(`${sim.url}${path}`, { method: 'POST', body: buildXml({ ...params, sign: wechatSign(params, merchant.wechat.apiKey, 'MD5') }) }).catch(() => null);
  if (!response) return { status: 0, fields: null };
  return { status: response.status, fields: parseXml(await response.text()) };
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, confirmDelayMs: 200, lostAnswerDelayMs: 200 });
  merchant = await json('POST', '/admin/merchants', { name: 'sim test' });
});
afterAll(async () => {
  await sim?.close();
});

describe('wallet simulator', () => {
  it('signs WeChat Pay v2 parameters exactly as the public test vector', () => {
    const params = { appid: 'wxd930ea5d5a258f4f', body: 'test', device_info: '1000', mch_id: '10000100', nonce_str: 'ibuaiVcKdpRxkhJA' };
    expect(wechatSign(params, '192006250b4c09247ec02edce69f6a2d', 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    expect(wechatSign(params, '192006250b4c09247ec02edce69f6a2d', 'HMAC-SHA256')).toBe('6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6');
  });

  it('charges a consumer code once, from the consumer\'s balance, and refuses it a second time', async () => {
    const [consumer] = await json<Array<{ id: string; balances: Record<string, number> }>>('GET', '/admin/consumers');
    const { code } = await json('POST', `/admin/consumers/${consumer!.id}/codes`, { wallet: 'wechat' });
    expect(code).toMatch(/^13\d{16}$/);
    const first = await wechat('/pay/micropay', { out_trade_no: orderNo(), auth_code: code, total_fee: '1500', body: 'x' });
    expect(first.fields).toMatchObject({ result_code: 'SUCCESS', total_fee: '1500' });
    const second = await wechat('/pay/micropay', { out_trade_no: orderNo(), auth_code: code, total_fee: '1500', body: 'x' });
    expect(second.fields).toMatchObject({ result_code: 'FAIL', err_code: 'AUTH_CODE_INVALID' });
    const after = (await json<Array<{ id: string; balances: Record<string, number> }>>('GET', '/admin/consumers')).find((c) => c.id === consumer!.id)!;
    expect(after.balances.CNY).toBe(consumer!.balances.CNY! - 1500);
  });

  it('settles a foreign-currency trade from the CNY balance at the fixed rate', async () => {
    const consumer = await json('POST', '/admin/consumers', { name: 'Traveller', balances: { CNY: 10_000 } });
    const { code } = await json('POST', `/admin/consumers/${consumer.id}/codes`, { wallet: 'wechat' });
    const pay = await wechat('/pay/micropay', { out_trade_no: orderNo(), auth_code: code, total_fee: '10000', fee_type: 'THB', body: 'x' });
    expect(pay.fields).toMatchObject({ result_code: 'SUCCESS', fee_type: 'THB' });
    const after = (await json<Array<{ id: string; balances: Record<string, number> }>>('GET', '/admin/consumers')).find((c) => c.id === consumer.id)!;
    expect(after.balances.CNY).toBe(10_000 - 2_000); // 100.00 THB at 0.20 CNY
  });

  it('refuses a consumer code after it expired', async () => {
    const consumer = await json('POST', '/admin/consumers', { name: 'Late' });
    const { code, expiresAt } = await json('POST', `/admin/consumers/${consumer.id}/codes`, { wallet: 'wechat' });
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(CODE_VALIDITY_MS);
    sim.sim.store.codes.get(code)!.expiresAt = Date.now() - 1;
    const pay = await wechat('/pay/micropay', { out_trade_no: orderNo(), auth_code: code, total_fee: '100', body: 'x' });
    expect(pay.fields).toMatchObject({ err_code: 'AUTHCODEEXPIRE' });
  });

  it('commits the payment but drops the answer when told to drop after commit', async () => {
    await json('POST', '/admin/faults', { rules: [{ wallet: 'wechat', method: '/pay/micropay', dropAfterCommit: 1 }] });
    const outTradeNo = orderNo();
    const pay = await wechat('/pay/micropay', { out_trade_no: outTradeNo, auth_code: '130000000000000001', total_fee: '100', body: 'x' });
    await json('DELETE', '/admin/faults');
    expect(pay.status).toBe(0);
    const query = await wechat('/pay/orderquery', { out_trade_no: outTradeNo });
    expect(query.fields).toMatchObject({ trade_state: 'SUCCESS' });
  });

  it('changes nothing when it answers 5xx', async () => {
    await json('POST', '/admin/faults', { rules: [{ wallet: '*', method: '*', error5xx: 1 }] });
    const outTradeNo = orderNo();
    const pay = await wechat('/pay/micropay', { out_trade_no: outTradeNo, auth_code: '130000000000000001', total_fee: '100', body: 'x' });
    await json('DELETE', '/admin/faults');
    expect(pay.status).toBeGreaterThanOrEqual(500);
    expect((await wechat('/pay/orderquery', { out_trade_no: outTradeNo })).fields).toMatchObject({ err_code: 'ORDERNOTEXIST' });
  });

  it('remembers a reversed order it never saw, so a late payment cannot charge it', async () => {
    const outTradeNo = orderNo();
    expect((await wechat('/secapi/pay/reverse', { out_trade_no: outTradeNo })).fields).toMatchObject({ result_code: 'SUCCESS', recall: 'N' });
    const late = await wechat('/pay/micropay', { out_trade_no: outTradeNo, auth_code: '130000000000000001', total_fee: '100', body: 'x' });
    expect(late.fields).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERCLOSED' });
    const ledger = await json('GET', `/admin/ledger?merchant=${merchant.wechat.mchId}`);
    expect(ledger.charges.find((c: { outTradeNo: string }) => c.outTradeNo === outTradeNo)).toBeUndefined();
  });

  it('reverses a paid order by refunding it in full, shown as reversed in the ledger', async () => {
    const outTradeNo = orderNo();
    await wechat('/pay/micropay', { out_trade_no: outTradeNo, auth_code: '130000000000000001', total_fee: '700', body: 'x' });
    await wechat('/secapi/pay/reverse', { out_trade_no: outTradeNo });
    const ledger = await json('GET', `/admin/ledger?merchant=${merchant.wechat.mchId}`);
    expect(ledger.charges.find((c: { outTradeNo: string }) => c.outTradeNo === outTradeNo)).toMatchObject({ status: 'reversed', amount: 700 });
  });
});
