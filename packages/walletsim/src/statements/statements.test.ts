import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MerchantRegistration, type RunningSimulator, startSimulator } from '../index.ts';
import { registerAt, tenpayFor } from '../testing/tenpay-client.ts';
import { BILL_URL_LIFETIME_MS } from './bill-files.ts';

/**
 * The simulator's daily statements read by clients that share no code with it: alipay-sdk asks for the
 * bill's URL (verifying the signed answer), the zip is opened with Python's zipfile and decoded with
 * Node's own GBK decoder; tenpay's `downloadBill` reads WeChat Pay's bill with its own parser. Rows,
 * fees (Alipay at 0.55%, WeChat Pay at the default 0.6%, worked out by hand below) and totals must match
 * the trades made.
 */
let sim: RunningSimulator;
let merchant: MerchantRegistration;
const dir = mkdtempSync(join(tmpdir(), 'walletsim-statements-'));
const chinaDay = (ms: number) => new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 10);
const shiftDay = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  sim = await startSimulator({ port: 0, confirmDelayMs: 200, lostAnswerDelayMs: 200, feeRates: { alipay: '0.55%' } });
  merchant = await registerAt(sim.url, 'statement client test');
});
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ALIPAY_COLUMNS =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
const UNZIP_TO_JSON = 'import base64, json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: base64.b64encode(z.read(n)).decode() for n in z.namelist()}))';
const WECHAT_COLUMNS =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';

describe('Alipay trade bill, read with alipay-sdk, Python\'s zipfile and a GBK decoder', () => {
  const sdk = () =>
    new AlipaySdk({ appId: merchant.alipay.appId, privateKey: merchant.alipay.appPrivateKey, alipayPublicKey: merchant.alipay.alipayPublicKey, keyType: 'PKCS8', gateway: `${sim.url}/gateway.do`, endpoint: sim.url });
  const pay = (out: string, amount: string, code = '280000000000000001') =>
    sdk().exec('alipay.trade.pay', { bizContent: { out_trade_no: out, scene: 'bar_code', auth_code: code, subject: '奶茶', total_amount: amount } }, { validateSign: true });

  it('lists the day\'s trades and refunds with fees, header and footer lines, in a zip of GBK CSV files', async () => {
    expect((await pay('a-1', '12.30')).code).toBe('10000');
    expect((await pay('a-2', '20.00')).code).toBe('10000');
    const refund = await sdk().exec('alipay.trade.refund', { bizContent: { out_trade_no: 'a-2', refund_amount: '5.00', out_request_no: 'a-2-r' } }, { validateSign: true });
    expect(refund.code).toBe('10000');
    // Test code 8: the order was 3.00; the buyer paid, and the merchant receives, 3.01.
    expect(await pay('a-8', '3.00', '280000000000000008')).toMatchObject({ code: '10000', totalAmount: '3.00', buyerPayAmount: '3.01', receiptAmount: '3.01' });

    const today = chinaDay(Date.now());
    const answer = await sdk().exec('alipay.data.dataservice.bill.downloadurl.query', { bizContent: { bill_type: 'trade', bill_date: today } }, { validateSign: true });
    expect(answer.code).toBe('10000');
    const url = String(answer.billDownloadUrl);
    expect(url).toMatch(/\/downloadBillFile\.resource\?.*fileId=[0-9a-f]{32}/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const zipFile = join(dir, 'bill.zip');
    writeFileSync(zipFile, Buffer.from(await response.arrayBuffer()));
    const compact = today.replaceAll('-', '');
    // Python's zipfile (honouring the zip's UTF-8 name flag) lists and reads the entries: the detail and the summary.
    const entries = JSON.parse(execFileSync('python3', ['-c', UNZIP_TO_JSON, zipFile], { encoding: 'utf8' })) as Record<string, string>;
    const names = Object.keys(entries).sort();
    expect(names).toEqual([`${merchant.alipay.appId}_${compact}_业务明细(汇总).csv`, `${merchant.alipay.appId}_${compact}_业务明细.csv`].sort());
    const gbk = new TextDecoder('gbk', { fatal: true });
    const read = (name: string) => gbk.decode(Buffer.from(entries[name]!, 'base64'));
    const detail = read(`${merchant.alipay.appId}_${compact}_业务明细.csv`).split('\r\n');
    expect(detail[0]).toBe('#支付宝业务明细查询');
    expect(detail[1]).toBe(`#账号：[${merchant.alipay.appId}]`);
    expect(detail[2]).toMatch(/^#起始日期：\[\d{4}年\d\d月\d\d日 00:00:00\]   终止日期：\[\d{4}年\d\d月\d\d日 00:00:00\]$/);
    expect(detail[4]).toBe(ALIPAY_COLUMNS);
    const rows = detail.slice(5, detail.findIndex((l) => l.startsWith('#-----') && l.includes('结束'))).map((l) => l.split(',').map((v) => v.trim()));
    const columns = ALIPAY_COLUMNS.split(',');
    const pick = (row: string[]) => Object.fromEntries(['商户订单号', '业务类型', '商品名称', '订单金额（元）', '商家实收（元）', '退款批次号/请求号', '服务费（元）'].map((c) => [c, row[columns.indexOf(c)]]));
    expect(rows.map(pick)).toEqual([
      { 商户订单号: 'a-1', 业务类型: '交易', 商品名称: '奶茶', '订单金额（元）': '12.30', '商家实收（元）': '12.30', '退款批次号/请求号': '', '服务费（元）': '0.07' }, // 6.765 fen → 7
      { 商户订单号: 'a-2', 业务类型: '交易', 商品名称: '奶茶', '订单金额（元）': '20.00', '商家实收（元）': '20.00', '退款批次号/请求号': '', '服务费（元）': '0.11' },
      { 商户订单号: 'a-2', 业务类型: '退款', 商品名称: '奶茶', '订单金额（元）': '20.00', '商家实收（元）': '-5.00', '退款批次号/请求号': 'a-2-r', '服务费（元）': '-0.03' }, // 11 × ¼ = 2.75 → 3
      { 商户订单号: 'a-8', 业务类型: '交易', 商品名称: '奶茶', '订单金额（元）': '3.01', '商家实收（元）': '3.01', '退款批次号/请求号': '', '服务费（元）': '0.02' }, // 1.6555 → 2
    ]);
    const footer = detail.slice(-5);
    expect(footer[1]).toBe('#交易合计：3笔，商家实收共35.31元，商家优惠共0.00元');
    expect(footer[2]).toBe('#退款合计：1笔，商家实收退款共-5.00元，商家优惠退款共0.00元');
    expect(footer[3]).toMatch(/^#导出时间：\[\d{4}年\d\d月\d\d日 \d\d:\d\d:\d\d\]$/);
    const summary = read(`${merchant.alipay.appId}_${compact}_业务明细(汇总).csv`);
    expect(summary).toContain('合计,,3,1,35.31,30.31,0.00,0.00,0.00,0.17,0.00,30.14');

    // The link is short-lived: gone after its lifetime, and a made-up one never worked.
    const token = new URL(url).searchParams.get('fileId')!;
    expect(sim.sim.billFiles.get(token, Date.now() + BILL_URL_LIFETIME_MS + 1)).toBeNull();
    expect((await fetch(url.replace(/fileId=[0-9a-f]+/, 'fileId=0123'))).status).toBe(404);
  });

  it('refuses a future or malformed date and has no bill before the app existed, as Alipay answers', async () => {
    const today = chinaDay(Date.now());
    for (const billDate of [shiftDay(today, 1), '2024/01/01', '2024-02-30']) {
      const answer = await sdk().exec('alipay.data.dataservice.bill.downloadurl.query', { bizContent: { bill_type: 'trade', bill_date: billDate } }, { validateSign: true });
      expect(answer).toMatchObject({ code: '40004', subCode: 'isv.invalid_arguments' });
    }
    const before = await sdk().exec('alipay.data.dataservice.bill.downloadurl.query', { bizContent: { bill_type: 'trade', bill_date: shiftDay(today, -1) } }, { validateSign: true });
    expect(before).toMatchObject({ code: '40004', subCode: 'isp.bill_not_exist' });
  });
});

describe('WeChat Pay bill, read with tenpay', () => {
  it('lists the day\'s payments and refunds, every field backticked, with the summary tenpay reads', async () => {
    const tenpay = tenpayFor(sim.url, merchant.wechat);
    await tenpay.micropay({ out_trade_no: 'w-1', body: '奶茶', total_fee: 1230, auth_code: '130000000000000001' });
    await tenpay.micropay({ out_trade_no: 'w-2', body: '奶茶', total_fee: 2000, auth_code: '130000000000000001' });
    await tenpay.refund({ out_trade_no: 'w-2', out_refund_no: 'w-2-r', total_fee: 2000, refund_fee: 500 });
    expect(await tenpay.micropay({ out_trade_no: 'w-8', body: '奶茶', total_fee: 300, auth_code: '130000000000000008' })).toMatchObject({ total_fee: '300', cash_fee: '301' });

    const billDate = chinaDay(Date.now()).replaceAll('-', '');
    const client = tenpay as unknown as { downloadBill(params: Record<string, unknown>, format?: boolean): Promise<any> };
    const raw = (await client.downloadBill({ bill_date: billDate })) as string;
    expect(raw.split('\r\n').slice(1, 5).every((line) => line.startsWith('`') && !/,(?!`)/.test(line))).toBe(true);
    const bill = await client.downloadBill({ bill_date: billDate, bill_type: 'ALL' }, true);
    expect(bill.list_title.join(',')).toBe(WECHAT_COLUMNS);
    const columns = WECHAT_COLUMNS.split(',');
    const pick = (row: string[]) => Object.fromEntries(['商户号', '商户订单号', '交易类型', '交易状态', '货币种类', '应结订单金额', '商户退款单号', '退款金额', '退款状态', '手续费', '费率', '订单金额'].map((c) => [c, row[columns.indexOf(c)]]));
    const mch = merchant.wechat.mchId;
    expect(bill.list_data.map(pick)).toEqual([
      { 商户号: mch, 商户订单号: 'w-1', 交易类型: 'MICROPAY', 交易状态: 'SUCCESS', 货币种类: 'CNY', 应结订单金额: '12.30', 商户退款单号: '0', 退款金额: '0.00', 退款状态: '', 手续费: '0.07', 费率: '0.60%', 订单金额: '12.30' }, // 7.38 → 7
      { 商户号: mch, 商户订单号: 'w-2', 交易类型: 'MICROPAY', 交易状态: 'SUCCESS', 货币种类: 'CNY', 应结订单金额: '20.00', 商户退款单号: '0', 退款金额: '0.00', 退款状态: '', 手续费: '0.12', 费率: '0.60%', 订单金额: '20.00' },
      { 商户号: mch, 商户订单号: 'w-2', 交易类型: 'MICROPAY', 交易状态: 'REFUND', 货币种类: 'CNY', 应结订单金额: '0.00', 商户退款单号: 'w-2-r', 退款金额: '5.00', 退款状态: 'SUCCESS', 手续费: '-0.03', 费率: '0.60%', 订单金额: '0.00' },
      { 商户号: mch, 商户订单号: 'w-8', 交易类型: 'MICROPAY', 交易状态: 'SUCCESS', 货币种类: 'CNY', 应结订单金额: '3.01', 商户退款单号: '0', 退款金额: '0.00', 退款状态: '', 手续费: '0.02', 费率: '0.60%', 订单金额: '3.01' }, // 1.806 → 2
    ]);
    expect(bill.total_title).toEqual(['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额']);
    expect(bill.total_data).toEqual(['4', '35.31', '5.00', '0.00', '0.18', '35.31', '5.00']);

    const refunds = await client.downloadBill({ bill_date: billDate, bill_type: 'REFUND' }, true);
    expect(refunds.list_data.map((row: string[]) => row[refunds.list_title.indexOf('商户退款单号')])).toEqual(['w-2-r']);
    const successes = await client.downloadBill({ bill_date: billDate, bill_type: 'SUCCESS' }, true);
    expect(successes.list_data).toHaveLength(3);
  });

  it('answers No Bill Exist for a day without trades and refuses a future or malformed date, in unsigned FAIL XML', async () => {
    const client = tenpayFor(sim.url, merchant.wechat) as unknown as { downloadBill(params: Record<string, unknown>): Promise<string> };
    const today = chinaDay(Date.now());
    await expect(client.downloadBill({ bill_date: shiftDay(today, -2).replaceAll('-', '') })).rejects.toThrow(/^No Bill Exist$/);
    await expect(client.downloadBill({ bill_date: shiftDay(today, 1).replaceAll('-', '') })).rejects.toThrow(/^invalid bill_date$/);
    await expect(client.downloadBill({ bill_date: '2024-01-01' })).rejects.toThrow(/^invalid bill_date$/);
    await expect(client.downloadBill({ bill_date: today.replaceAll('-', ''), bill_type: 'SOME' })).rejects.toThrow(/^invalid bill_type$/);
    const raw = await fetch(`${sim.url}/pay/downloadbill`, { method: 'POST', body: '<xml><appid>x</appid></xml>' });
    expect(await raw.text()).not.toContain('<sign>');
  });

  it('gives a partner its sub-merchants\' trades, naming each in 特约商户号', async () => {
    const partner = await registerAt(sim.url, 'provider');
    const sub = ((await (await fetch(`${sim.url}/admin/merchants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'kiosk', partner: partner.wechat.mchId }) })).json()) as { wechat: { subMchId: string } }).wechat.subMchId;
    const tenpay = tenpayFor(sim.url, partner.wechat);
    await tenpay.micropay({ out_trade_no: 'p-own', body: 'x', total_fee: 100, auth_code: '130000000000000001' });
    await tenpay.micropay({ out_trade_no: 'p-sub', body: 'x', total_fee: 100, auth_code: '130000000000000001', sub_mch_id: sub });
    const client = tenpay as unknown as { downloadBill(params: Record<string, unknown>, format?: boolean): Promise<any> };
    const billDate = chinaDay(Date.now()).replaceAll('-', '');
    const all = await client.downloadBill({ bill_date: billDate }, true);
    const subColumn = all.list_title.indexOf('特约商户号');
    const order = all.list_title.indexOf('商户订单号');
    expect(all.list_data.map((row: string[]) => [row[order], row[subColumn]]).sort()).toEqual([['p-own', '0'], ['p-sub', sub]]);
    const only = await client.downloadBill({ bill_date: billDate, sub_mch_id: sub }, true);
    expect(only.list_data.map((row: string[]) => row[order])).toEqual(['p-sub']);
  });
});
