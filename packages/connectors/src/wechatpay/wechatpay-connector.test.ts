import type { WalletContext } from '@counterpay/core';
import { describe, expect, it } from 'vitest';
import {
  answerByPath,
  calls,
  connector,
  credentials,
  ctx,
  payRequest,
  qrRequest,
  refundRequest,
  requestFields,
  server,
  signedXml,
  tenpaySigner,
  TIMEOUT_MS,
  useCannedWechat,
  type Case,
  type Fields,
} from '../testing/wechat-test-bench.ts';
import { WechatPayConnector } from './wechatpay-connector.ts';
import { buildWechatXml } from './wechatpay-xml.ts';

useCannedWechat();

describe('WeChat Pay requests', () => {
  it('sends /pay/micropay as signed XML with the business fields, signed as tenpay signs', async () => {
    answerByPath({ '/pay/micropay': { result_code: 'SUCCESS', transaction_id: '4200001', time_end: '20240513174920' } });
    await connector.pay(ctx, payRequest);
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/pay/micropay');
    expect(req.headers['content-type']).toBe('text/xml; charset=utf-8');
    const fields = requestFields(req);
    expect(Object.keys(fields).sort()).toEqual(['appid', 'auth_code', 'body', 'device_info', 'fee_type', 'mch_id', 'nonce_str', 'out_trade_no', 'sign', 'sign_type', 'spbill_create_ip', 'total_fee']);
    expect(fields).toMatchObject({
      appid: credentials.appId,
      mch_id: credentials.mchId,
      sign_type: 'HMAC-SHA256',
      body: 'Coffee & cake',
      out_trade_no: 'pay_0001',
      total_fee: '1234',
      fee_type: 'CNY',
      spbill_create_ip: '127.0.0.1',
      auth_code: '130000000000000001',
      device_info: 'term_1',
    });
    expect(fields.nonce_str).toMatch(/^[0-9a-f]{32}$/);
    expect(fields.sign).toBe(tenpaySigner._getSign(fields, 'HMAC-SHA256'));
  });

  it('uses a fresh nonce_str for every request', async () => {
    answerByPath({ '/pay/orderquery': { result_code: 'SUCCESS', trade_state: 'NOTPAY' } });
    await connector.query(ctx, 'pay_0001', 'CNY');
    await connector.query(ctx, 'pay_0001', 'CNY');
    const [a, b] = server.requests.map(requestFields);
    expect(a!.nonce_str).not.toBe(b!.nonce_str);
  });

  it('signs requests with MD5 and verifies MD5-signed answers when configured for MD5', async () => {
    const md5 = new WechatPayConnector({ baseUrl: server.url, timeoutMs: TIMEOUT_MS, signType: 'MD5' });
    server.answer({ body: signedXml({ result_code: 'SUCCESS', transaction_id: '4200002' }, 'MD5') });
    expect(await md5.pay(ctx, payRequest)).toMatchObject({ kind: 'succeeded', walletTransactionId: '4200002' });
    const fields = requestFields(server.requests[0]!);
    expect(fields.sign_type).toBe('MD5');
    expect(fields.sign).toBe(tenpaySigner._getSign(fields, 'MD5'));
  });

  it('sends /pay/unifiedorder as a NATIVE order with time_expire and notify_url', async () => {
    answerByPath({ '/pay/unifiedorder': { result_code: 'SUCCESS', trade_type: 'NATIVE', prepay_id: 'wx1', code_url: 'weixin://wxpay/bizpayurl?pr=abc' } });
    await connector.createQr(ctx, qrRequest);
    expect(requestFields(server.requests[0]!)).toMatchObject({
      body: 'Tea',
      out_trade_no: 'pay_qr',
      total_fee: '2',
      fee_type: 'HKD',
      spbill_create_ip: '127.0.0.1',
      time_expire: '20250101080509',
      notify_url: 'https://gateway.example/notify/wechat',
      trade_type: 'NATIVE',
      product_id: 'pay_qr',
    });
  });

  it('sends /secapi/pay/refund with integer fees and /pay/refundquery by out_refund_no', async () => {
    answerByPath({
      '/secapi/pay/refund': { result_code: 'SUCCESS', refund_id: '5000001', out_refund_no: 're_0001' },
      '/pay/refundquery': { result_code: 'SUCCESS', refund_count: '1', out_refund_no_0: 're_0001', refund_status_0: 'SUCCESS' },
    });
    await connector.refund(ctx, refundRequest);
    const [refund, query] = server.requests.map(requestFields);
    expect(refund).toMatchObject({ out_trade_no: 'pay_0001', out_refund_no: 're_0001', total_fee: '1234', refund_fee: '50', refund_fee_type: 'CNY', refund_desc: 'broken cup' });
    expect(query).toMatchObject({ out_refund_no: 're_0001' });
    expect(query!.out_trade_no).toBeUndefined();
  });

  it('names the order by out_trade_no in orderquery, reverse and closeorder', async () => {
    answerByPath({
      '/pay/orderquery': { result_code: 'SUCCESS', trade_state: 'NOTPAY' },
      '/secapi/pay/reverse': { result_code: 'SUCCESS', recall: 'N' },
      '/pay/closeorder': { result_code: 'SUCCESS' },
    });
    await connector.query(ctx, 'pay_0001', 'CNY');
    await connector.cancel(ctx, 'pay_0001');
    await connector.close(ctx, 'pay_0001');
    expect(server.requests.map((r) => [r.url, requestFields(r).out_trade_no])).toEqual([
      ['/pay/orderquery', 'pay_0001'],
      ['/secapi/pay/reverse', 'pay_0001'],
      ['/pay/closeorder', 'pay_0001'],
    ]);
  });
});

describe('WeChat Pay micropay mapping', () => {
  const failure = (err_code: string): Fields => ({ result_code: 'FAIL', err_code, err_code_des: `${err_code} description` });
  it.each<Case>([
    {
      name: 'maps SUCCESS to succeeded with transaction_id, time_end (+08:00) and openid',
      answer: { result_code: 'SUCCESS', transaction_id: '4200001', time_end: '20240513174920', openid: 'oUpF8uMuAJO' },
      expected: { kind: 'succeeded', walletTransactionId: '4200001', paidAt: new Date('2024-05-13T09:49:20Z'), buyerId: 'oUpF8uMuAJO' },
    },
    { name: 'maps USERPAYING to pending', answer: failure('USERPAYING'), expected: { kind: 'pending', walletCode: 'USERPAYING' } },
    { name: 'maps SYSTEMERROR to unknown', answer: failure('SYSTEMERROR'), expected: { kind: 'unknown' } },
    { name: 'maps BANKERROR to unknown', answer: failure('BANKERROR'), expected: { kind: 'unknown' } },
    { name: 'maps NOTENOUGH to failed insufficient_balance', answer: failure('NOTENOUGH'), expected: { kind: 'failed', code: 'insufficient_balance', walletCode: 'NOTENOUGH', message: 'NOTENOUGH description' } },
    { name: 'maps AUTHCODEEXPIRE to failed barcode_expired', answer: failure('AUTHCODEEXPIRE'), expected: { kind: 'failed', code: 'barcode_expired' } },
    { name: 'maps AUTH_CODE_INVALID to failed invalid_barcode', answer: failure('AUTH_CODE_INVALID'), expected: { kind: 'failed', code: 'invalid_barcode' } },
    { name: 'maps AUTH_CODE_ERROR to failed invalid_barcode', answer: failure('AUTH_CODE_ERROR'), expected: { kind: 'failed', code: 'invalid_barcode' } },
    { name: 'maps ORDERREVERSED to closed', answer: failure('ORDERREVERSED'), expected: { kind: 'closed', walletCode: 'ORDERREVERSED' } },
    { name: 'maps another business FAIL to failed payment_rejected', answer: failure('TRADE_ERROR'), expected: { kind: 'failed', code: 'payment_rejected' } },
    { name: 'maps a request error (PARAM_ERROR) to failed failed_processing', answer: failure('PARAM_ERROR'), expected: { kind: 'failed', code: 'failed_processing' } },
    { name: 'maps SUCCESS without a transaction_id to unknown', answer: { result_code: 'SUCCESS' }, expected: { kind: 'unknown' } },
  ])('$name', async ({ answer, expected }) => {
    answerByPath({ '/pay/micropay': answer });
    expect(await connector.pay(ctx, payRequest)).toMatchObject(expected);
  });

  it('asks by query on ORDERPAID and returns what the query says', async () => {
    answerByPath({
      '/pay/micropay': { result_code: 'FAIL', err_code: 'ORDERPAID' },
      '/pay/orderquery': { result_code: 'SUCCESS', trade_state: 'SUCCESS', transaction_id: '4200003', time_end: '20240513174921' },
    });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'succeeded', walletTransactionId: '4200003', paidAt: new Date('2024-05-13T09:49:21Z') });
    expect(calls.map((c) => [c.method, c.outcome])).toEqual([
      ['/pay/micropay', 'ask_query'],
      ['/pay/orderquery', 'succeeded'],
    ]);
  });

  it('maps return_code FAIL for a rejected request (bad signature) to failed failed_processing', async () => {
    server.answer({ body: buildWechatXml({ return_code: 'FAIL', return_msg: '签名错误' }) });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'failed', code: 'failed_processing', walletCode: 'FAIL', message: '签名错误' });
  });

  it('maps return_code FAIL for a system error to unknown', async () => {
    server.answer({ body: buildWechatXml({ return_code: 'FAIL', return_msg: 'SYSTEMERROR: system busy' }) });
    expect(await connector.pay(ctx, payRequest)).toMatchObject({ kind: 'unknown' });
  });
});

describe('WeChat Pay answers that cannot be trusted or never came', () => {
  it('maps a timeout to unknown', async () => {
    server.answer('hang');
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'unknown', reason: `no answer within ${TIMEOUT_MS} ms` });
  });

  it('maps HTTP 500 to unknown', async () => {
    server.answer({ status: 500, body: '<xml><return_code>SUCCESS</return_code></xml>' });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'unknown', reason: 'HTTP 500 from the wallet' });
  });

  it('maps an unreadable body to unknown', async () => {
    server.answer({ body: 'Bad Gateway' });
    expect(await connector.pay(ctx, payRequest)).toMatchObject({ kind: 'unknown' });
  });

  it('maps an answer signed with another key to unknown', async () => {
    server.answer({ body: signedXml({ result_code: 'FAIL', err_code: 'NOTENOUGH' }, 'HMAC-SHA256', 'another key') });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'unknown', reason: 'answer signature does not verify with the API key' });
  });

  it('maps a tampered answer to unknown', async () => {
    server.answer({ body: signedXml({ result_code: 'SUCCESS', transaction_id: '4200001' }).replace('4200001', '4200009') });
    expect(await connector.pay(ctx, payRequest)).toMatchObject({ kind: 'unknown' });
  });

  it('maps an unsigned SUCCESS answer to unknown', async () => {
    server.answer({ body: buildWechatXml({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'NOTENOUGH', appid: credentials.appId, mch_id: credentials.mchId }) });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'unknown', reason: 'unsigned answer' });
  });

  it('maps a signed answer about another merchant to unknown', async () => {
    server.answer({ body: signedXml({ mch_id: '99999', result_code: 'SUCCESS', transaction_id: '1' }) });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'unknown', reason: 'answer is for another appid or mch_id' });
  });

  it('refuses credentials of another wallet', async () => {
    const alipay: WalletContext = { credentials: { wallet: 'alipay', appId: '1', appPrivateKey: 'k', alipayPublicKey: 'k' } };
    await expect(connector.query(alipay, 'pay_0001')).rejects.toThrow(TypeError);
  });
});

describe('WeChat Pay orderquery mapping', () => {
  const state = (trade_state: string): Fields => ({ result_code: 'SUCCESS', trade_state, transaction_id: '4200001', time_end: '20240513174920' });
  it.each<Case>([
    { name: 'maps trade_state SUCCESS to succeeded', answer: state('SUCCESS'), expected: { kind: 'succeeded', walletTransactionId: '4200001' } },
    { name: 'maps trade_state REFUND to succeeded', answer: state('REFUND'), expected: { kind: 'succeeded' } },
    { name: 'maps trade_state NOTPAY to pending', answer: state('NOTPAY'), expected: { kind: 'pending', walletCode: 'NOTPAY' } },
    { name: 'maps trade_state USERPAYING to pending', answer: state('USERPAYING'), expected: { kind: 'pending', walletCode: 'USERPAYING' } },
    { name: 'maps trade_state CLOSED to closed', answer: state('CLOSED'), expected: { kind: 'closed', walletCode: 'CLOSED' } },
    { name: 'maps trade_state REVOKED to closed', answer: state('REVOKED'), expected: { kind: 'closed', walletCode: 'REVOKED' } },
    { name: 'maps trade_state PAYERROR to failed', answer: state('PAYERROR'), expected: { kind: 'failed', code: 'payment_rejected', walletCode: 'PAYERROR' } },
    { name: 'maps ORDERNOTEXIST to not_found', answer: { result_code: 'FAIL', err_code: 'ORDERNOTEXIST' }, expected: { kind: 'not_found' } },
    { name: 'maps SYSTEMERROR on query to unknown', answer: { result_code: 'FAIL', err_code: 'SYSTEMERROR' }, expected: { kind: 'unknown' } },
    { name: 'maps an unknown trade_state to unknown', answer: state('SOMETHING_NEW'), expected: { kind: 'unknown' } },
  ])('$name', async ({ answer, expected }) => {
    answerByPath({ '/pay/orderquery': answer });
    expect(await connector.query(ctx, 'pay_0001', 'CNY')).toMatchObject(expected);
  });

  it('maps return_code FAIL on query to unknown (it says nothing about the order)', async () => {
    server.answer({ body: buildWechatXml({ return_code: 'FAIL', return_msg: '签名错误' }) });
    expect(await connector.query(ctx, 'pay_0001', 'CNY')).toMatchObject({ kind: 'unknown' });
  });
});

describe('WeChat Pay buyer', () => {
  const paidAt = new Date('2024-05-13T09:49:20Z');

  it('takes openid as the buyer id from a micropay answer, and no account: WeChat Pay shows no login', async () => {
    answerByPath({ '/pay/micropay': { result_code: 'SUCCESS', transaction_id: '4200001', time_end: '20240513174920', openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', is_subscribe: 'N' } });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'succeeded', walletTransactionId: '4200001', paidAt, buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' });
  });

  it('takes openid from an orderquery answer (a payment confirmed later, or a paid QR order)', async () => {
    answerByPath({ '/pay/orderquery': { result_code: 'SUCCESS', trade_state: 'SUCCESS', transaction_id: '4200001', time_end: '20240513174920', openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } });
    expect(await connector.query(ctx, 'pay_0001', 'CNY')).toEqual({ kind: 'succeeded', walletTransactionId: '4200001', paidAt, buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' });
  });

  it('names no buyer when the answer has no openid', async () => {
    answerByPath({ '/pay/orderquery': { result_code: 'SUCCESS', trade_state: 'SUCCESS', transaction_id: '4200001', time_end: '20240513174920' } });
    expect(await connector.query(ctx, 'pay_0001', 'CNY')).toEqual({ kind: 'succeeded', walletTransactionId: '4200001', paidAt });
  });
});

describe('WeChat Pay reverse and closeorder mapping', () => {
  it.each<Case>([
    { name: 'maps a reverse with recall N to cancelled', answer: { result_code: 'SUCCESS', recall: 'N' }, expected: { kind: 'cancelled' } },
    { name: 'maps recall Y to retry', answer: { result_code: 'FAIL', err_code: 'SYSTEMERROR', recall: 'Y' }, expected: { kind: 'retry' } },
    { name: 'maps recall Y on SUCCESS to retry', answer: { result_code: 'SUCCESS', recall: 'Y' }, expected: { kind: 'retry' } },
    { name: 'maps reversing an order WeChat never saw to cancelled', answer: { result_code: 'FAIL', err_code: 'ORDERNOTEXIST', recall: 'N' }, expected: { kind: 'cancelled' } },
    { name: 'maps another reverse error to retry', answer: { result_code: 'FAIL', err_code: 'REVERSE_EXPIRE', recall: 'N' }, expected: { kind: 'retry' } },
  ])('$name', async ({ answer, expected }) => {
    answerByPath({ '/secapi/pay/reverse': answer });
    expect(await connector.cancel(ctx, 'pay_0001')).toMatchObject(expected);
  });

  it('maps a timeout on reverse to retry', async () => {
    server.answer('hang');
    expect(await connector.cancel(ctx, 'pay_0001')).toEqual({ kind: 'retry', reason: `no answer within ${TIMEOUT_MS} ms` });
  });

  it.each<Case>([
    { name: 'maps a closeorder SUCCESS to cancelled', answer: { result_code: 'SUCCESS' }, expected: { kind: 'cancelled' } },
    { name: 'maps ORDERPAID on closeorder to paid', answer: { result_code: 'FAIL', err_code: 'ORDERPAID' }, expected: { kind: 'paid' } },
    { name: 'maps ORDERCLOSED on closeorder to cancelled', answer: { result_code: 'FAIL', err_code: 'ORDERCLOSED' }, expected: { kind: 'cancelled' } },
    { name: 'maps SYSTEMERROR on closeorder to retry', answer: { result_code: 'FAIL', err_code: 'SYSTEMERROR' }, expected: { kind: 'retry' } },
  ])('$name', async ({ answer, expected }) => {
    answerByPath({ '/pay/closeorder': answer });
    expect(await connector.close(ctx, 'pay_0001')).toMatchObject(expected);
  });

  it('maps HTTP 500 on closeorder to retry', async () => {
    server.answer({ status: 500, body: '' });
    expect(await connector.close(ctx, 'pay_0001')).toMatchObject({ kind: 'retry' });
  });
});

describe('WeChat Pay refund mapping', () => {
  const accepted = { result_code: 'SUCCESS', refund_id: '5000001', out_refund_no: 're_0001' };
  const listed = (status: string): Fields => ({
    result_code: 'SUCCESS',
    refund_count: '1',
    out_refund_no_0: 're_0001',
    refund_id_0: '5000001',
    refund_status_0: status,
    refund_success_time_0: '2024-05-14 10:00:00',
  });

  it('maps an accepted refund that the refund query reports SUCCESS to succeeded', async () => {
    answerByPath({ '/secapi/pay/refund': accepted, '/pay/refundquery': listed('SUCCESS') });
    expect(await connector.refund(ctx, refundRequest)).toEqual({ kind: 'succeeded', walletRefundId: '5000001', refundedAt: new Date('2024-05-14T02:00:00Z') });
    expect(calls.map((c) => [c.method, c.outcome])).toEqual([
      ['/secapi/pay/refund', 'ask_refund_query'],
      ['/pay/refundquery', 'succeeded'],
    ]);
  });

  it('maps an accepted refund still PROCESSING to pending', async () => {
    answerByPath({ '/secapi/pay/refund': accepted, '/pay/refundquery': listed('PROCESSING') });
    expect(await connector.refund(ctx, refundRequest)).toEqual({ kind: 'pending' });
  });

  it('maps an accepted refund whose query times out to pending', async () => {
    answerByPath({ '/secapi/pay/refund': accepted, '/pay/refundquery': 'hang' });
    expect(await connector.refund(ctx, refundRequest)).toEqual({ kind: 'pending' });
  });

  it('maps a refused refund (NOTENOUGH) to failed', async () => {
    answerByPath({ '/secapi/pay/refund': { result_code: 'FAIL', err_code: 'NOTENOUGH', err_code_des: 'merchant balance too low' } });
    expect(await connector.refund(ctx, refundRequest)).toEqual({ kind: 'failed', walletCode: 'NOTENOUGH', message: 'merchant balance too low' });
  });

  it('maps SYSTEMERROR on refund to unknown', async () => {
    answerByPath({ '/secapi/pay/refund': { result_code: 'FAIL', err_code: 'SYSTEMERROR' } });
    expect(await connector.refund(ctx, refundRequest)).toMatchObject({ kind: 'unknown' });
  });

  it('maps a timeout on refund to unknown', async () => {
    server.answer('hang');
    expect(await connector.refund(ctx, refundRequest)).toMatchObject({ kind: 'unknown' });
  });

  it.each<Case>([
    { name: 'maps refund_status_0 SUCCESS to succeeded', answer: listed('SUCCESS'), expected: { kind: 'succeeded', walletRefundId: '5000001' } },
    { name: 'maps refund_status_0 PROCESSING to pending', answer: listed('PROCESSING'), expected: { kind: 'pending' } },
    { name: 'maps refund_status_0 FAIL to failed', answer: listed('FAIL'), expected: { kind: 'failed', walletCode: 'FAIL' } },
    { name: 'maps refund_status_0 CHANGE to failed', answer: listed('CHANGE'), expected: { kind: 'failed', walletCode: 'CHANGE' } },
    { name: 'maps refund_status_0 REFUNDCLOSE to failed', answer: listed('REFUNDCLOSE'), expected: { kind: 'failed', walletCode: 'REFUNDCLOSE' } },
    { name: 'maps REFUNDNOTEXIST to not_found', answer: { result_code: 'FAIL', err_code: 'REFUNDNOTEXIST' }, expected: { kind: 'not_found' } },
    { name: 'maps SYSTEMERROR on refund query to unknown', answer: { result_code: 'FAIL', err_code: 'SYSTEMERROR' }, expected: { kind: 'unknown' } },
    {
      name: 'finds our refund among several listed',
      answer: { result_code: 'SUCCESS', refund_count: '2', out_refund_no_0: 're_other', refund_status_0: 'FAIL', out_refund_no_1: 're_0001', refund_status_1: 'SUCCESS', refund_id_1: '5000002' },
      expected: { kind: 'succeeded', walletRefundId: '5000002' },
    },
  ])('$name', async ({ answer, expected }) => {
    answerByPath({ '/pay/refundquery': answer });
    expect(await connector.queryRefund(ctx, refundRequest)).toMatchObject(expected);
  });
});

describe('WeChat Pay QR mapping', () => {
  it('maps SUCCESS with a code_url to created', async () => {
    answerByPath({ '/pay/unifiedorder': { result_code: 'SUCCESS', trade_type: 'NATIVE', prepay_id: 'wx1', code_url: 'weixin://wxpay/bizpayurl?pr=abc' } });
    expect(await connector.createQr(ctx, qrRequest)).toEqual({ kind: 'created', qrCode: 'weixin://wxpay/bizpayurl?pr=abc' });
  });

  it('maps a business FAIL to failed', async () => {
    answerByPath({ '/pay/unifiedorder': { result_code: 'FAIL', err_code: 'ORDERPAID', err_code_des: 'paid' } });
    expect(await connector.createQr(ctx, qrRequest)).toEqual({ kind: 'failed', walletCode: 'ORDERPAID', message: 'paid' });
  });

  it('maps a timeout on unifiedorder to unknown', async () => {
    server.answer('hang');
    expect(await connector.createQr(ctx, qrRequest)).toMatchObject({ kind: 'unknown' });
  });
});

describe('WeChat Pay wallet-call log', () => {
  it('reports every call exactly once with method, outcome, code, status and latency', async () => {
    answerByPath({ '/pay/micropay': { result_code: 'FAIL', err_code: 'USERPAYING' } });
    await connector.pay(ctx, payRequest);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ wallet: 'wechat', method: '/pay/micropay', outcome: 'pending', walletCode: 'USERPAYING', httpStatus: 200, error: null });
    expect(calls[0]!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('never puts the API key in what it reports', async () => {
    server.answer({ body: signedXml({ result_code: 'SUCCESS', transaction_id: '1' }, 'HMAC-SHA256', 'wrong') });
    const outcome = await connector.pay(ctx, payRequest);
    expect(JSON.stringify([outcome, calls])).not.toContain(credentials.apiKey);
  });
});
