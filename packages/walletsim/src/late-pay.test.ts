import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MerchantRegistration, type RunningSimulator, startSimulator } from './index.ts';
import { registerAt } from './testing/tenpay-client.ts';
import { buildXml, parseXml, wechatSign } from './wechat/wechat-crypto.ts';

/**
 * Test code 7, a late success: the buyer never confirms, the wallet acknowledges the cancel/reverse as
 * closed, and ~LATE ms later records the payment anyway; the query shows it paid, the day's statement
 * lists it, and a trade with a notify_url gets the wallet's notification.
 */
const LATE_MS = 300;
let sim: RunningSimulator;
let merchant: MerchantRegistration;
const notified: string[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    notified.push(body);
    res.end('success');
  });
});
let notifyUrl = '';
const chinaDay = (ms: number) => new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  sim = await startSimulator({ port: 0, latePayDelayMs: LATE_MS });
  merchant = await registerAt(sim.url, 'late pay test');
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
});
afterAll(async () => {
  await sim?.close();
  receiver.close();
});

async function wechat(path: string, fields: Record<string, string>): Promise<Record<string, string>> {
  const params = { appid: merchant.wechat.appId, mch_id: merchant.wechat.mchId, nonce_str: String(Math.random()).slice(2), ...fields };
  const response = await fetch(`${sim.url}${path}`, { method: 'POST', body: buildXml({ ...params, sign: wechatSign(params, merchant.wechat.apiKey, 'MD5') }) });
  return parseXml(await response.text())!;
}

describe('test code 7: paid just after the cancel was acknowledged', () => {
  it('WeChat Pay: USERPAYING, reverse SUCCESS, then SUCCESS with a transaction id and time, and in the bill', async () => {
    const out = `w7-${Date.now()}`;
    const pay = await wechat('/pay/micropay', { out_trade_no: out, auth_code: '130000000000000007', total_fee: '880', body: 'tea' });
    expect(pay).toMatchObject({ result_code: 'FAIL', err_code: 'USERPAYING' });
    expect(await wechat('/secapi/pay/reverse', { out_trade_no: out })).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', recall: 'N' });
    expect(await wechat('/pay/orderquery', { out_trade_no: out })).toMatchObject({ trade_state: 'REVOKED' });
    await sleep(LATE_MS + 100);
    const query = await wechat('/pay/orderquery', { out_trade_no: out });
    expect(query).toMatchObject({ trade_state: 'SUCCESS', total_fee: '880' });
    expect(query.transaction_id).toMatch(/^4200\d+/);
    expect(query.time_end).toMatch(/^\d{14}$/);
    const bill = await fetch(`${sim.url}/pay/downloadbill`, {
      method: 'POST',
      body: (() => {
        const p = { appid: merchant.wechat.appId, mch_id: merchant.wechat.mchId, nonce_str: 'n1', bill_date: chinaDay(Date.now()).replaceAll('-', ''), bill_type: 'ALL' };
        return buildXml({ ...p, sign: wechatSign(p, merchant.wechat.apiKey, 'MD5') });
      })(),
    });
    const line = (await bill.text()).split('\n').find((l) => l.includes(`\`${out}`));
    expect(line).toContain('`SUCCESS');
    expect(line).toContain('`8.80');
  });

  it('Alipay: WAIT_BUYER_PAY, cancel action close, then TRADE_SUCCESS and the notification to its notify_url', async () => {
    const sdk = new AlipaySdk({ appId: merchant.alipay.appId, privateKey: merchant.alipay.appPrivateKey, alipayPublicKey: merchant.alipay.alipayPublicKey, keyType: 'PKCS8', gateway: `${sim.url}/gateway.do`, endpoint: sim.url });
    const out = `a7-${Date.now()}`;
    const pay = await sdk.exec('alipay.trade.pay', { notify_url: notifyUrl, bizContent: { out_trade_no: out, scene: 'bar_code', auth_code: '280000000000000007', subject: 'tea', total_amount: '8.80' } }, { validateSign: true });
    expect(pay.code).toBe('10003');
    const cancel = await sdk.exec('alipay.trade.cancel', { bizContent: { out_trade_no: out } }, { validateSign: true });
    expect(cancel).toMatchObject({ code: '10000', action: 'close', retryFlag: 'N' });
    expect((await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: out } }, { validateSign: true })).tradeStatus).toBe('TRADE_CLOSED');
    // Nobody asks: the wallet records it by itself and notifies.
    const deadline = Date.now() + 5000;
    while (!notified.some((n) => n.includes(out)) && Date.now() < deadline) await sleep(50);
    const notification = new URLSearchParams(notified.find((n) => n.includes(out)));
    expect(notification.get('trade_status')).toBe('TRADE_SUCCESS');
    expect(notification.get('total_amount')).toBe('8.80');
    const query = await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: out } }, { validateSign: true });
    expect(query).toMatchObject({ tradeStatus: 'TRADE_SUCCESS', totalAmount: '8.80', tradeNo: notification.get('trade_no') });
    expect(query.gmtPayment).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const ledger = sim.sim.book.ledger(merchant.alipay.appId);
    expect(ledger.charges.find((c) => c.outTradeNo === out)).toMatchObject({ status: 'paid', amount: 880 });
  });
});
