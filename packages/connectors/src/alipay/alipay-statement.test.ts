import iconv from 'iconv-lite';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { answerByMethod, bizContent, calls, connector, ctx, server, useCannedAlipay } from '../testing/alipay-test-bench.ts';
import { parseAlipayBill, parseAlipayBillZip } from './alipay-statement.ts';

useCannedAlipay();

const METHOD = 'alipay.data.dataservice.bill.downloadurl.query';

/** A detail file laid out as Alipay's (its published samples): `#` lines, tab-suffixed text values. */
const DETAIL = [
  '#支付宝业务明细查询',
  '#账号：[20881234567890120156]',
  '#起始日期：[2024年05月13日 00:00:00]   终止日期：[2024年05月14日 00:00:00]',
  '#-----------------------------------------业务明细列表----------------------------------------',
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注',
  '2024051322001\t,pay_0001\t,交易\t,"咖啡, 蛋糕\t",2024-05-13 17:09:43,2024-05-13 17:09:54,sto_1\t,\t,\t,term_1\t,158****1562\t,12.34,12.34,0.00,0.00,0.00,0.00,0.00,\t,0.00,0.00,\t,0.07,0.00,',
  '2024051322001\t,pay_0001\t,退款\t,"咖啡, 蛋糕\t",2024-05-13 18:00:00,2024-05-13 18:00:01,sto_1\t,\t,\t,term_1\t,158****1562\t,12.34,-5.00,0.00,0.00,0.00,0.00,0.00,\t,0.00,0.00,re_0001\t,-0.03,0.00,',
  '2024051322002\t,pay_0002\t,交易\t,Tea\t,2024-05-13 19:00:00,2024-05-13 19:00:00,\t,\t,\t,\t,\t,1200,1200,0,0,0,0,0,\t,0,0,\t,7,0,币种:JPY',
  '#-----------------------------------------业务明细列表结束------------------------------------',
  '#交易合计：2笔，商家实收共24.34元，商家优惠共0.00元',
  '#退款合计：1笔，商家实收退款共-5.00元，商家优惠退款共0.00元',
  '#导出时间：[2024年05月14日 09:48:56]',
].join('\r\n');

const LINES = [
  { kind: 'payment', outTradeNo: 'pay_0001', walletTradeNo: '2024051322001', amount: 1234, fee: 7, currency: 'CNY', storeId: 'sto_1', terminalId: 'term_1', at: new Date('2024-05-13T09:09:54Z') },
  { kind: 'refund', outTradeNo: 'pay_0001', walletTradeNo: '2024051322001', outRefundNo: 're_0001', amount: 500, fee: -3, currency: 'CNY', storeId: 'sto_1', terminalId: 'term_1', at: new Date('2024-05-13T10:00:01Z') },
  { kind: 'payment', outTradeNo: 'pay_0002', walletTradeNo: '2024051322002', amount: 1200, fee: 7, currency: 'JPY', at: new Date('2024-05-13T11:00:00Z') },
];

describe('Alipay statements (bill download URL, then the zip)', () => {
  it('reads the detail file exactly, skipping # lines, trimming the tabs, with refunds as positive amounts', () => {
    expect(parseAlipayBill(DETAIL)).toEqual(LINES);
  });

  it('finds the detail file in the zip and decodes it from GBK (not the summary)', () => {
    const zip = zipSync({
      '2088_20240513_业务明细.csv': new Uint8Array(iconv.encode(DETAIL, 'gbk')),
      '2088_20240513_业务明细(汇总).csv': new Uint8Array(iconv.encode('#支付宝业务汇总查询\r\n', 'gbk')),
    });
    expect(parseAlipayBillZip(zip)).toEqual(LINES);
    expect(() => parseAlipayBillZip(strToU8('not a zip'))).toThrow(/not a zip/);
  });

  it('asks for bill_type trade and the day, then maps a bill that does not exist (yet) to not_published', async () => {
    answerByMethod({ [METHOD]: { code: '40004', msg: 'Business Failed', sub_code: 'isp.bill_not_exist', sub_msg: '账单不存在' } });
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toEqual({ kind: 'not_published' });
    expect(bizContent(server.requests[0]!)).toEqual({ bill_type: 'trade', bill_date: '2024-05-13' });
    expect(calls).toEqual([expect.objectContaining({ wallet: 'alipay', method: METHOD, outcome: 'not_published', walletCode: 'isp.bill_not_exist' })]);
  });

  it('maps an invalid date to failed, an unsigned or URL-less success to unknown, and an expired link to unknown', async () => {
    answerByMethod({ [METHOD]: { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid_arguments', sub_msg: '入参不合法' } });
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toEqual({ kind: 'failed', walletCode: 'isv.invalid_arguments', message: '入参不合法' });
    answerByMethod({ [METHOD]: { body: '{"alipay_data_dataservice_bill_downloadurl_query_response":{"code":"10000","msg":"Success","bill_download_url":"http://x/y"}}' } });
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toMatchObject({ kind: 'unknown', reason: 'unsigned answer' });
    answerByMethod({ [METHOD]: { code: '10000', msg: 'Success' } });
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toMatchObject({ kind: 'unknown' });
    // The link answers no file (the canned wallet has none for a GET: 500), as an expired link would.
    answerByMethod({ [METHOD]: { code: '10000', msg: 'Success', bill_download_url: `${server.url}/gateway.do?expired=1` } });
    calls.length = 0;
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toMatchObject({ kind: 'unknown' });
    expect(calls.map((c) => [c.method, c.outcome])).toEqual([
      [METHOD, 'download'],
      ['GET bill_download_url', 'unknown'],
    ]);
  });
});
