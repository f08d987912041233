import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MerchantRegistration, type RunningSimulator, startSimulator } from './index.ts';
import { TENPAY_PATHS } from './testing/tenpay-in-child.ts';
import { parseXml, wechatSign } from './wechat/wechat-crypto.ts';

/**
 * WeChat Pay service-provider mode (服务商模式) at the simulator, driven by the tenpay client: the
 * partner signs with its own key and names the sub-merchant in `sub_mch_id`; the trade is the
 * sub-merchant's.
 */
const require = createRequire(import.meta.url);
const Tenpay = require('tenpay') as new (config: { appid: string; mchid: string; partnerKey: string }) => TenpayClient;
interface TenpayClient {
  urls: Record<string, string>;
  micropay(params: Record<string, unknown>): Promise<Record<string, string>>;
  orderQuery(params: Record<string, unknown>): Promise<Record<string, string>>;
  refund(params: Record<string, unknown>): Promise<Record<string, string>>;
  refundQuery(params: Record<string, unknown>): Promise<Record<string, string>>;
  unifiedOrder(params: Record<string, unknown>): Promise<Record<string, string>>;
}

interface LedgerEntry {
  merchant: string;
  partner: string | null;
  outTradeNo: string;
  amount: number;
  status?: string;
}

let sim: RunningSimulator;
let partner: MerchantRegistration;
let otherPartner: MerchantRegistration;
let subMchId: string;
let n = 0;
const orderNo = () => `sub-${Date.now()}-${n++}`;

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

function client(who: MerchantRegistration): TenpayClient {
  const tenpay = new Tenpay({ appid: who.wechat.appId, mchid: who.wechat.mchId, partnerKey: who.wechat.apiKey });
  for (const [name, path] of Object.entries(TENPAY_PATHS)) tenpay.urls[name] = `${sim.url}${path}`;
  return tenpay;
}

async function ledger(merchant: string): Promise<{ charges: LedgerEntry[]; refunds: LedgerEntry[] }> {
  return (await (await fetch(`${sim.url}/admin/ledger?merchant=${merchant}`)).json()) as { charges: LedgerEntry[]; refunds: LedgerEntry[] };
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, confirmDelayMs: 200 });
  partner = (await post('/admin/merchants', { name: 'service provider' })).json;
  otherPartner = (await post('/admin/merchants', { name: 'another provider' })).json;
  subMchId = (await post('/admin/merchants', { name: 'corner shop', partner: partner.wechat.mchId })).json.wechat.subMchId;
});
afterAll(async () => {
  await sim?.close();
});

describe('WeChat Pay sub-merchants', () => {
  it('registers a sub-merchant of a registered merchant, and refuses an unknown partner', async () => {
    expect(subMchId).toMatch(/^1\d{9}$/);
    expect(subMchId).not.toBe(partner.wechat.mchId);
    const unknown = await post('/admin/merchants', { partner: '1999999999' });
    expect(unknown.status).toBe(404);
    // An Alipay app id is not a WeChat Pay merchant, though the simulator knows it.
    expect((await post('/admin/merchants', { partner: partner.alipay.appId })).status).toBe(404);
  });

  it("books a micropay signed with the partner's key to the sub-merchant, and queries and refunds it the same way", async () => {
    const tenpay = client(partner);
    const outTradeNo = orderNo();
    const pay = await tenpay.micropay({ out_trade_no: outTradeNo, body: 'noodles', total_fee: 1200, auth_code: '130000000000000001', sub_mch_id: subMchId, sub_appid: 'wx1234567890abcdef' });
    expect(pay).toMatchObject({ result_code: 'SUCCESS', mch_id: partner.wechat.mchId, sub_mch_id: subMchId, sub_appid: 'wx1234567890abcdef', total_fee: '1200' });
    expect((await tenpay.orderQuery({ out_trade_no: outTradeNo, sub_mch_id: subMchId })).trade_state).toBe('SUCCESS');
    // The partner's own books do not hold the sub-merchant's order.
    await expect(tenpay.orderQuery({ out_trade_no: outTradeNo })).rejects.toThrow('ORDERNOTEXIST');

    const refund = await tenpay.refund({ out_trade_no: outTradeNo, out_refund_no: `${outTradeNo}-r`, total_fee: 1200, refund_fee: 500, sub_mch_id: subMchId });
    expect(refund).toMatchObject({ result_code: 'SUCCESS', sub_mch_id: subMchId, refund_fee: '500' });
    expect(await tenpay.refundQuery({ out_refund_no: `${outTradeNo}-r`, sub_mch_id: subMchId })).toMatchObject({ refund_status_0: 'SUCCESS', refund_fee_0: '500' });

    const books = await ledger(subMchId);
    expect(books.charges).toContainEqual(expect.objectContaining({ merchant: subMchId, partner: partner.wechat.mchId, outTradeNo, amount: 1200, status: 'paid' }));
    expect(books.refunds).toContainEqual(expect.objectContaining({ merchant: subMchId, partner: partner.wechat.mchId, outTradeNo, amount: 500 }));
    // A service provider's bill shows its sub-merchants' trades too.
    expect((await ledger(partner.wechat.mchId)).charges.map((c) => c.outTradeNo)).toContain(outTradeNo);
  });

  it("refuses an unknown sub_mch_id and another partner's sub-merchant, as WeChat Pay does", async () => {
    const theirs = (await post('/admin/merchants', { partner: otherPartner.wechat.mchId })).json.wechat.subMchId as string;
    for (const sub_mch_id of ['1000000001', theirs]) {
      const outTradeNo = orderNo();
      await expect(client(partner).micropay({ out_trade_no: outTradeNo, body: 'x', total_fee: 100, auth_code: '130000000000000001', sub_mch_id })).rejects.toThrow('INVALID_REQUEST');
      expect((await ledger(sub_mch_id)).charges).toEqual([]);
    }
  });

  it("notifies a paid QR order of a sub-merchant with the partner's signature and the sub_mch_id", async () => {
    const received: string[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push(body);
        response.end('<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const address = receiver.address() as { port: number };
      const order = await client(partner).unifiedOrder({ out_trade_no: orderNo(), body: 'qr', total_fee: 300, trade_type: 'NATIVE', product_id: 'p1', sub_mch_id: subMchId, notify_url: `http://127.0.0.1:${address.port}/notify` });
      const [consumer] = (await (await fetch(`${sim.url}/admin/consumers`)).json()) as Array<{ id: string }>;
      expect((await post(`/app/api/consumers/${consumer!.id}/pay-qr`, { content: order.code_url, wallet: 'wechat' })).json.outcome).toBe('paid');
      for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      const notification = parseXml(received[0] ?? '')!;
      expect(notification).toMatchObject({ mch_id: partner.wechat.mchId, sub_mch_id: subMchId, result_code: 'SUCCESS', total_fee: '300' });
      expect(notification.sign).toBe(wechatSign(notification, partner.wechat.apiKey, 'MD5'));
    } finally {
      receiver.close();
    }
  });
});
