import { describe, expect, it } from 'vitest';
import { calls, connector, credentials, ctx, requestFields, server, tenpaySigner, useCannedWechat } from '../testing/wechat-test-bench.ts';
import { parseWechatBill } from './wechatpay-statement.ts';

useCannedWechat();

/** A bill as WeChat Pay writes one (its documentation's sample layout): backticked fields, a summary. */
const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const BILL = [
  HEADER,
  '`2024-05-13 17:49:20,`wx2421b1c4370ec43b,`10000100,`0,`term_1,`4200001,`pay_0001,`oUpF8,`MICROPAY,`SUCCESS,`CFT,`CNY,`12.34,`0.00,`0,`0,`0.00,`0.00,`,`,`Coffee, cake,`,`0.07,`0.60%,`12.34,`0.00,`',
  '`2024-05-13 18:00:00,`wx2421b1c4370ec43b,`10000100,`1900000109,`,`4200001,`pay_0001,`oUpF8,`MICROPAY,`REFUND,`CFT,`CNY,`0.00,`0.00,`50001,`re_0001,`5.00,`0.00,`ORIGINAL,`SUCCESS,`Coffee, cake,`,`-0.03,`0.60%,`0.00,`5.00,`',
  '`2024-05-13 19:00:00,`wx2421b1c4370ec43b,`10000100,`0,`,`4200002,`pay_0002,`oUpF8,`MICROPAY,`SUCCESS,`CFT,`JPY,`1200,`0,`0,`0,`0,`0,`,`,`Tea,`,`7,`0.60%,`1200,`0,`',
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
  '`3,`24.34,`5.00,`0.00,`0.04,`24.34,`5.00',
  '',
].join('\r\n');

describe('WeChat Pay statements (/pay/downloadbill)', () => {
  it('asks for the day as bill_date YYYYMMDD, bill_type ALL, gzip, signed as tenpay signs', async () => {
    server.answer(() => ({ body: BILL, contentType: 'text/plain' }));
    await connector.downloadStatement(ctx, '2024-05-13');
    const fields = requestFields(server.requests[0]!);
    expect(server.requests[0]!.url).toBe('/pay/downloadbill');
    expect(fields).toMatchObject({ appid: credentials.appId, mch_id: credentials.mchId, bill_date: '20240513', bill_type: 'ALL', tar_type: 'GZIP', sign_type: 'HMAC-SHA256' });
    expect(fields.sign).toBe(tenpaySigner._getSign(fields, 'HMAC-SHA256'));
  });

  it('reads every line exactly: amounts in minor units of each currency, refunds with their ids, fees signed', async () => {
    server.answer(() => ({ body: BILL, contentType: 'text/plain' }));
    const outcome = await connector.downloadStatement(ctx, '2024-05-13');
    expect(outcome).toEqual({
      kind: 'published',
      date: '2024-05-13',
      lines: [
        { kind: 'payment', outTradeNo: 'pay_0001', walletTradeNo: '4200001', amount: 1234, fee: 7, currency: 'CNY', terminalId: 'term_1', at: new Date('2024-05-13T09:49:20Z') },
        { kind: 'refund', outTradeNo: 'pay_0001', walletTradeNo: '4200001', outRefundNo: 're_0001', walletRefundId: '50001', amount: 500, fee: -3, currency: 'CNY', subMerchantId: '1900000109', at: new Date('2024-05-13T10:00:00Z') },
        { kind: 'payment', outTradeNo: 'pay_0002', walletTradeNo: '4200002', amount: 1200, fee: 7, currency: 'JPY', at: new Date('2024-05-13T11:00:00Z') },
      ],
    });
    expect(calls).toEqual([expect.objectContaining({ wallet: 'wechat', method: '/pay/downloadbill', outcome: 'published', walletCode: 'SUCCESS', httpStatus: 200, error: null })]);
  });

  it('maps No Bill Exist to not_published, a busy system to unknown and other refusals to failed', async () => {
    const fail = (msg: string, code = '20001') => `<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[${msg}]]></return_msg><error_code><![CDATA[${code}]]></error_code></xml>`;
    server.answer(() => ({ body: fail('No Bill Exist', '20002') }));
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toEqual({ kind: 'not_published' });
    server.answer(() => ({ body: fail('SYSTEMERROR') }));
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toMatchObject({ kind: 'unknown' });
    server.answer(() => ({ body: fail('invalid bill_date') }));
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toEqual({ kind: 'failed', walletCode: '20001', message: 'invalid bill_date' });
    expect(calls.map((c) => c.outcome)).toEqual(['not_published', 'unknown', 'failed']);
  });

  it('never guesses: a 5xx, a silence, a bill with an impossible amount or a line that lost its backticks is unknown', async () => {
    server.answer(() => ({ status: 503, body: 'busy' }));
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toMatchObject({ kind: 'unknown', reason: 'HTTP 503 from the wallet' });
    server.answer(() => 'hang');
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toMatchObject({ kind: 'unknown' });
    server.answer(() => ({ body: BILL.replace('`12.34,`0.00', '`12.345,`0.00') }));
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('应结订单金额 "12.345"') });
    server.answer(() => ({ body: BILL.replace('`Tea,', 'Tea,') }));
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toMatchObject({ kind: 'unknown' });
    server.answer(() => ({ body: BILL.split('\r\n').slice(0, 3).join('\r\n') }));
    expect(await connector.downloadStatement(ctx, '2024-05-13')).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('no summary') });
  });

  it('refuses a date that is not a day without calling WeChat Pay', async () => {
    expect(await connector.downloadStatement(ctx, '20240513')).toMatchObject({ kind: 'failed', walletCode: 'invalid_date' });
    expect(await connector.downloadStatement(ctx, '2024-02-30')).toMatchObject({ kind: 'failed', walletCode: 'invalid_date' });
    expect(server.requests).toHaveLength(0);
  });

  it('reads a bill with only its header and summary as a day without lines', () => {
    expect(parseWechatBill([HEADER, '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额', '`0,`0.00,`0.00,`0.00,`0.00,`0.00,`0.00'].join('\n'))).toEqual([]);
  });
});
