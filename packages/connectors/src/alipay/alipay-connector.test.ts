import { AlipaySdk } from 'alipay-sdk';
import type { AlipayCredentials, WalletCallRecord, WalletContext } from '@counterpay/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CannedWalletServer, type CannedAnswer, type ReceivedRequest } from '../testing/canned-wallet-server.ts';
import { rsaKeyPair } from '../testing/rsa-keys.ts';
import { AlipayConnector } from './alipay-connector.ts';
import { alipaySigningString, signAlipayContent, verifyAlipayContent } from './alipay-sign.ts';

const app = rsaKeyPair(); // the merchant's key pair: signs requests
const platform = rsaKeyPair(); // "Alipay's" key pair: signs answers
const stranger = rsaKeyPair();

const credentials: AlipayCredentials = {
  wallet: 'alipay',
  appId: '2021000000000001',
  appPrivateKey: app.privateKey,
  alipayPublicKey: platform.publicKey,
};

const TIMEOUT_MS = 200;
let server: CannedWalletServer;
let connector: AlipayConnector;
let calls: WalletCallRecord[];
let ctx: WalletContext;

beforeAll(async () => {
  server = await CannedWalletServer.start();
  connector = new AlipayConnector({ gatewayUrl: `${server.url}/gateway.do`, timeoutMs: TIMEOUT_MS, notifyUrl: () => 'https://gateway.example/notify/alipay' });
});
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  calls = [];
  ctx = { credentials, onCall: (call) => calls.push(call) };
});

/**
 * An answer as Alipay writes it: `{"<method>_response":{…},"sign":"…"}`, signed over the exact text of
 * the response value. The value is pretty-printed on purpose: a verifier that re-serialised it would fail.
 */
function signedAnswer(method: string, response: object, privateKey = platform.privateKey): string {
  const content = JSON.stringify(response, null, 1);
  return `{"${method.replaceAll('.', '_')}_response":${content},"sign":"${signAlipayContent(content, privateKey)}"}`;
}

/** Answers each method with its own canned response. */
function answerByMethod(responses: Record<string, object | CannedAnswer>): void {
  server.answer((req) => {
    const method = formParams(req).method ?? '';
    const response = responses[method];
    if (response === undefined) return { status: 500, body: `no canned answer for ${method}` };
    if (response === 'hang' || ('body' in response && typeof response.body === 'string')) return response as CannedAnswer;
    return { body: signedAnswer(method, response), contentType: 'text/html;charset=utf-8' };
  });
}

function formParams(req: ReceivedRequest): Record<string, string> {
  const url = new URL(req.url, 'http://localhost');
  return { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(new URLSearchParams(req.body)) };
}

function bizContent(req: ReceivedRequest): Record<string, unknown> {
  return JSON.parse(formParams(req).biz_content ?? '{}') as Record<string, unknown>;
}

const payRequest = {
  outTradeNo: 'pay_0001',
  authCode: '280000000000000001',
  amount: 1234,
  currency: 'CNY' as const,
  subject: 'Coffee & cake',
  storeId: 'sto_1',
  terminalId: 'term_1',
};

const refundRequest = { outTradeNo: 'pay_0001', outRefundNo: 're_0001', refundAmount: 50, totalAmount: 1234, currency: 'CNY' as const, reason: 'broken cup' };

describe('Alipay requests', () => {
  it('sends alipay.trade.pay form-encoded with the common parameters and an RSA2 signature the official SDK accepts', async () => {
    answerByMethod({ 'alipay.trade.pay': { code: '10000', msg: 'Success', trade_no: '2024051322001', gmt_payment: '2024-05-13 17:49:20' } });
    await connector.pay(ctx, payRequest);
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/gateway.do');
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=utf-8');
    const params = formParams(req!);
    expect(Object.keys(params).sort()).toEqual(['app_id', 'biz_content', 'charset', 'format', 'method', 'notify_url', 'sign', 'sign_type', 'timestamp', 'version']);
    expect(params).toMatchObject({
      app_id: credentials.appId,
      method: 'alipay.trade.pay',
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      version: '1.0',
      notify_url: 'https://gateway.example/notify/alipay',
    });
    expect(params.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(bizContent(req!)).toEqual({
      out_trade_no: 'pay_0001',
      scene: 'bar_code',
      auth_code: '280000000000000001',
      total_amount: '12.34',
      trans_currency: 'CNY',
      subject: 'Coffee & cake',
      store_id: 'sto_1',
      terminal_id: 'term_1',
    });
    const sdk = new AlipaySdk({ appId: credentials.appId, privateKey: stranger.privateKey, keyType: 'PKCS8', alipayPublicKey: app.publicKey });
    expect(sdk.checkNotifySignV2(params)).toBe(true);
  });

  it('formats amounts of zero-decimal currencies without decimals', async () => {
    answerByMethod({ 'alipay.trade.pay': { code: '10003', msg: 'waiting' } });
    await connector.pay(ctx, { ...payRequest, amount: 500, currency: 'JPY' });
    expect(bizContent(server.requests[0]!)).toMatchObject({ total_amount: '500', trans_currency: 'JPY' });
  });

  it('sends alipay.trade.precreate with an absolute and a relative expiry and the request\'s notify_url', async () => {
    answerByMethod({ 'alipay.trade.precreate': { code: '10000', msg: 'Success', qr_code: 'https://qr.alipay.com/bax01' } });
    const expiresAt = new Date(Date.now() + 5 * 60_000);
    await connector.createQr(ctx, { outTradeNo: 'pay_qr', amount: 2, currency: 'CNY', subject: 'Tea', expiresAt, notifyUrl: 'https://merchant.example/n' });
    const req = server.requests[0]!;
    expect(formParams(req).notify_url).toBe('https://merchant.example/n');
    const biz = bizContent(req);
    expect(biz).toMatchObject({ out_trade_no: 'pay_qr', total_amount: '0.02', trans_currency: 'CNY', subject: 'Tea', timeout_express: '5m' });
    expect(biz.time_expire).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('sends alipay.trade.refund with out_request_no and a decimal refund_amount', async () => {
    answerByMethod({ 'alipay.trade.refund': { code: '10000', msg: 'Success', fund_change: 'Y' } });
    await connector.refund(ctx, refundRequest);
    expect(bizContent(server.requests[0]!)).toEqual({ out_trade_no: 'pay_0001', out_request_no: 're_0001', refund_amount: '0.50', refund_currency: 'CNY', refund_reason: 'broken cup' });
  });

  it('sends alipay.trade.fastpay.refund.query by out_trade_no and out_request_no', async () => {
    answerByMethod({ 'alipay.trade.fastpay.refund.query': { code: '10000', msg: 'Success', refund_status: 'REFUND_SUCCESS' } });
    await connector.queryRefund(ctx, refundRequest);
    expect(bizContent(server.requests[0]!)).toEqual({ out_trade_no: 'pay_0001', out_request_no: 're_0001', query_options: ['gmt_refund_pay'] });
  });

  it('names the trade by out_trade_no alone in query, cancel and close', async () => {
    answerByMethod({
      'alipay.trade.query': { code: '10000', msg: 'Success', trade_status: 'WAIT_BUYER_PAY' },
      'alipay.trade.cancel': { code: '10000', msg: 'Success', action: 'close' },
      'alipay.trade.close': { code: '10000', msg: 'Success' },
    });
    await connector.query(ctx, 'pay_0001', 'CNY');
    await connector.cancel(ctx, 'pay_0001');
    await connector.close(ctx, 'pay_0001');
    expect(server.requests.map((r) => [formParams(r).method, bizContent(r)])).toEqual([
      ['alipay.trade.query', { out_trade_no: 'pay_0001' }],
      ['alipay.trade.cancel', { out_trade_no: 'pay_0001' }],
      ['alipay.trade.close', { out_trade_no: 'pay_0001' }],
    ]);
  });
});

describe('Alipay pay mapping', () => {
  it.each([
    {
      name: 'maps 10000 to succeeded with trade_no, gmt_payment and the buyer',
      response: { code: '10000', msg: 'Success', trade_no: '2024051322001', gmt_payment: '2024-05-13 17:49:20', buyer_user_id: '2088102' },
      expected: { kind: 'succeeded', walletTransactionId: '2024051322001', paidAt: new Date('2024-05-13T09:49:20Z'), buyerId: '2088102' },
    },
    { name: 'maps 10003 to pending', response: { code: '10003', msg: 'waiting for the buyer' }, expected: { kind: 'pending', walletCode: '10003' } },
    { name: 'maps 20000 to unknown', response: { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'aop.unknow-error' }, expected: { kind: 'unknown' } },
    { name: 'maps ACQ.SYSTEM_ERROR to unknown', response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.SYSTEM_ERROR' }, expected: { kind: 'unknown' } },
    {
      name: 'maps ACQ.BUYER_BALANCE_NOT_ENOUGH to failed insufficient_balance',
      response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', sub_msg: '买家余额不足' },
      expected: { kind: 'failed', code: 'insufficient_balance', walletCode: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', message: '买家余额不足' },
    },
    {
      name: 'maps an expired payment code to failed barcode_expired',
      response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', sub_msg: 'The payment code has expired' },
      expected: { kind: 'failed', code: 'barcode_expired' },
    },
    {
      name: 'maps an invalid payment code to failed invalid_barcode',
      response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', sub_msg: '支付失败，获取顾客账户信息失败' },
      expected: { kind: 'failed', code: 'invalid_barcode' },
    },
    { name: 'maps ACQ.TRADE_HAS_CLOSE to closed', response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_HAS_CLOSE' }, expected: { kind: 'closed', walletCode: 'ACQ.TRADE_HAS_CLOSE' } },
    {
      name: 'maps another business refusal to failed payment_rejected',
      response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.BUYER_ENABLE_STATUS_FORBID' },
      expected: { kind: 'failed', code: 'payment_rejected', walletCode: 'ACQ.BUYER_ENABLE_STATUS_FORBID' },
    },
    {
      name: 'maps a merchant set-up refusal to failed failed_processing',
      response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.INVALID_PARAMETER' },
      expected: { kind: 'failed', code: 'failed_processing', walletCode: 'ACQ.INVALID_PARAMETER' },
    },
    {
      name: 'maps 40002 isv.invalid-signature on pay to failed failed_processing (no trade was created)',
      response: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature' },
      expected: { kind: 'failed', code: 'failed_processing', walletCode: 'isv.invalid-signature' },
    },
    { name: 'maps an unrecognised code to unknown', response: { code: '99999', msg: '?' }, expected: { kind: 'unknown' } },
    { name: 'maps 10000 without a trade_no to unknown', response: { code: '10000', msg: 'Success' }, expected: { kind: 'unknown' } },
  ])('$name', async ({ response, expected }) => {
    answerByMethod({ 'alipay.trade.pay': response });
    expect(await connector.pay(ctx, payRequest)).toMatchObject(expected);
  });

  it('asks by query when the trade already exists (ACQ.TRADE_HAS_SUCCESS) and returns what the query says', async () => {
    answerByMethod({
      'alipay.trade.pay': { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_HAS_SUCCESS' },
      'alipay.trade.query': { code: '10000', msg: 'Success', trade_status: 'TRADE_SUCCESS', trade_no: '2024051322002', send_pay_date: '2024-05-13 17:49:21' },
    });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'succeeded', walletTransactionId: '2024051322002', paidAt: new Date('2024-05-13T09:49:21Z') });
    expect(calls.map((c) => [c.method, c.outcome])).toEqual([
      ['alipay.trade.pay', 'ask_query'],
      ['alipay.trade.query', 'succeeded'],
    ]);
  });
});

describe('Alipay answers that cannot be trusted or never came', () => {
  it('maps a timeout to unknown', async () => {
    server.answer('hang');
    const started = performance.now();
    const outcome = await connector.pay(ctx, payRequest);
    expect(outcome).toEqual({ kind: 'unknown', reason: `no answer within ${TIMEOUT_MS} ms` });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it('maps HTTP 500 to unknown', async () => {
    server.answer({ status: 500, body: 'oops' });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'unknown', reason: 'HTTP 500 from the wallet' });
    expect(calls[0]).toMatchObject({ httpStatus: 500, outcome: 'unknown', walletCode: null });
  });

  it('maps a refused connection to unknown', async () => {
    const closed = await CannedWalletServer.start();
    const url = closed.url;
    await closed.stop();
    const offline = new AlipayConnector({ gatewayUrl: `${url}/gateway.do`, timeoutMs: TIMEOUT_MS });
    expect(await offline.pay(ctx, payRequest)).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('network error') });
  });

  it('maps an unreadable body to unknown', async () => {
    server.answer({ body: '<html>gateway error</html>' });
    expect(await connector.pay(ctx, payRequest)).toMatchObject({ kind: 'unknown' });
  });

  it('maps a tampered answer to unknown, even one that claims a final failure', async () => {
    const body = signedAnswer('alipay.trade.pay', { code: '10000', msg: 'Success', trade_no: '1' }).replace('"10000"', '"40004"');
    server.answer({ body: body.replace('"Success"', '"Business Failed", "sub_code": "ACQ.BUYER_BALANCE_NOT_ENOUGH"') });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'unknown', reason: 'answer signature does not verify with the Alipay public key' });
  });

  it('maps an answer signed with another key to unknown', async () => {
    server.answer({ body: signedAnswer('alipay.trade.pay', { code: '10000', msg: 'Success', trade_no: '1' }, stranger.privateKey) });
    expect(await connector.pay(ctx, payRequest)).toMatchObject({ kind: 'unknown' });
  });

  it('maps an unsigned answer to unknown', async () => {
    server.answer({ body: '{"alipay_trade_pay_response":{"code":"40004","sub_code":"ACQ.BUYER_BALANCE_NOT_ENOUGH"}}' });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'unknown', reason: 'unsigned answer' });
  });

  it('maps an answer for another method to unknown', async () => {
    server.answer({ body: signedAnswer('alipay.trade.query', { code: '10000', msg: 'Success', trade_status: 'TRADE_SUCCESS', trade_no: '1' }) });
    expect(await connector.pay(ctx, payRequest)).toMatchObject({ kind: 'unknown' });
  });

  it('reads a signed error_response', async () => {
    server.answer({ body: signedAnswer('error', { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-app-id' }) });
    expect(await connector.query(ctx, 'pay_0001')).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('isv.invalid-app-id') });
  });

  it('fails a pay it could not sign (bad private key) without calling the wallet', async () => {
    const badCtx: WalletContext = { credentials: { ...credentials, appPrivateKey: 'not a key' }, onCall: (call) => calls.push(call) };
    const outcome = await connector.pay(badCtx, payRequest);
    expect(outcome).toMatchObject({ kind: 'failed', code: 'failed_processing', walletCode: 'not_sent' });
    expect(JSON.stringify(outcome)).not.toContain('not a key');
    expect(server.requests).toHaveLength(0);
    expect(calls).toHaveLength(1);
  });

  it('refuses credentials of another wallet', async () => {
    const wechat: WalletContext = { credentials: { wallet: 'wechat', appId: 'wx', mchId: '1', apiKey: 'k' } };
    await expect(connector.pay(wechat, payRequest)).rejects.toThrow(TypeError);
  });
});

describe('Alipay query mapping', () => {
  it.each([
    { name: 'maps TRADE_SUCCESS to succeeded', response: { code: '10000', msg: 'Success', trade_status: 'TRADE_SUCCESS', trade_no: 't1' }, expected: { kind: 'succeeded', walletTransactionId: 't1' } },
    { name: 'maps TRADE_FINISHED to succeeded', response: { code: '10000', msg: 'Success', trade_status: 'TRADE_FINISHED', trade_no: 't1' }, expected: { kind: 'succeeded', walletTransactionId: 't1' } },
    { name: 'maps WAIT_BUYER_PAY to pending', response: { code: '10000', msg: 'Success', trade_status: 'WAIT_BUYER_PAY' }, expected: { kind: 'pending', walletCode: 'WAIT_BUYER_PAY' } },
    { name: 'maps TRADE_CLOSED to closed', response: { code: '10000', msg: 'Success', trade_status: 'TRADE_CLOSED' }, expected: { kind: 'closed', walletCode: 'TRADE_CLOSED' } },
    { name: 'maps ACQ.TRADE_NOT_EXIST to not_found', response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' }, expected: { kind: 'not_found' } },
    { name: 'maps 40002 on query to unknown (says nothing about the trade)', response: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature' }, expected: { kind: 'unknown' } },
    { name: 'maps an unknown trade_status to unknown', response: { code: '10000', msg: 'Success', trade_status: 'TRADE_WHATEVER' }, expected: { kind: 'unknown' } },
  ])('$name', async ({ response, expected }) => {
    answerByMethod({ 'alipay.trade.query': response });
    expect(await connector.query(ctx, 'pay_0001', 'CNY')).toMatchObject(expected);
  });

  it('maps a timeout on query to unknown', async () => {
    server.answer('hang');
    expect(await connector.query(ctx, 'pay_0001', 'CNY')).toMatchObject({ kind: 'unknown' });
  });
});

describe('Alipay cancel and close mapping', () => {
  it.each([
    { name: 'maps retry_flag Y to retry', response: { code: '10000', msg: 'Success', retry_flag: 'Y' }, expected: { kind: 'retry' } },
    { name: 'maps action close to cancelled', response: { code: '10000', msg: 'Success', retry_flag: 'N', action: 'close' }, expected: { kind: 'cancelled' } },
    { name: 'maps action refund to cancelled', response: { code: '10000', msg: 'Success', retry_flag: 'N', action: 'refund' }, expected: { kind: 'cancelled' } },
    { name: 'maps cancelling a trade Alipay never saw to cancelled', response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' }, expected: { kind: 'cancelled' } },
    { name: 'maps ACQ.SYSTEM_ERROR on cancel to retry', response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.SYSTEM_ERROR' }, expected: { kind: 'retry' } },
    { name: 'maps another cancel refusal to retry', response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.REASON_TRADE_BEEN_FREEZEN' }, expected: { kind: 'retry' } },
  ])('$name', async ({ response, expected }) => {
    answerByMethod({ 'alipay.trade.cancel': response });
    expect(await connector.cancel(ctx, 'pay_0001')).toMatchObject(expected);
  });

  it('maps a timeout on cancel to retry', async () => {
    server.answer('hang');
    expect(await connector.cancel(ctx, 'pay_0001')).toEqual({ kind: 'retry', reason: `no answer within ${TIMEOUT_MS} ms` });
  });

  it('maps HTTP 500 on close to retry', async () => {
    server.answer({ status: 500, body: '' });
    expect(await connector.close(ctx, 'pay_0001')).toMatchObject({ kind: 'retry' });
  });

  it('maps a successful close to cancelled', async () => {
    answerByMethod({ 'alipay.trade.close': { code: '10000', msg: 'Success' } });
    expect(await connector.close(ctx, 'pay_0001')).toEqual({ kind: 'cancelled' });
  });

  it('maps closing a QR order nobody scanned (ACQ.TRADE_NOT_EXIST) to cancelled', async () => {
    answerByMethod({ 'alipay.trade.close': { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' } });
    expect(await connector.close(ctx, 'pay_0001')).toEqual({ kind: 'cancelled' });
  });

  it('maps ACQ.TRADE_STATUS_ERROR on close of a paid trade to paid, confirmed by query', async () => {
    answerByMethod({
      'alipay.trade.close': { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_STATUS_ERROR' },
      'alipay.trade.query': { code: '10000', msg: 'Success', trade_status: 'TRADE_SUCCESS', trade_no: 't1' },
    });
    expect(await connector.close(ctx, 'pay_0001')).toEqual({ kind: 'paid' });
    expect(calls.map((c) => c.method)).toEqual(['alipay.trade.close', 'alipay.trade.query']);
  });

  it('maps ACQ.TRADE_STATUS_ERROR on close of an already closed trade to cancelled', async () => {
    answerByMethod({
      'alipay.trade.close': { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_STATUS_ERROR' },
      'alipay.trade.query': { code: '10000', msg: 'Success', trade_status: 'TRADE_CLOSED' },
    });
    expect(await connector.close(ctx, 'pay_0001')).toEqual({ kind: 'cancelled' });
  });
});

describe('Alipay refund mapping', () => {
  it.each([
    {
      name: 'maps 10000 with fund_change Y to succeeded',
      response: { code: '10000', msg: 'Success', fund_change: 'Y', gmt_refund_pay: '2024-05-14 10:00:00' },
      expected: { kind: 'succeeded', walletRefundId: null, refundedAt: new Date('2024-05-14T02:00:00Z') },
    },
    { name: 'maps 10000 with fund_change N to pending', response: { code: '10000', msg: 'Success', fund_change: 'N' }, expected: { kind: 'pending' } },
    {
      name: 'maps a business refusal to failed',
      response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_ALLOW_REFUND', sub_msg: 'not allowed' },
      expected: { kind: 'failed', walletCode: 'ACQ.TRADE_NOT_ALLOW_REFUND', message: 'not allowed' },
    },
    { name: 'maps 20000 on refund to unknown', response: { code: '20000', msg: 'Service Currently Unavailable' }, expected: { kind: 'unknown' } },
  ])('$name', async ({ response, expected }) => {
    answerByMethod({ 'alipay.trade.refund': response });
    expect(await connector.refund(ctx, refundRequest)).toMatchObject(expected);
  });

  it('maps a timeout on refund to unknown', async () => {
    server.answer('hang');
    expect(await connector.refund(ctx, refundRequest)).toMatchObject({ kind: 'unknown' });
  });

  it.each([
    { name: 'maps REFUND_SUCCESS to succeeded', response: { code: '10000', msg: 'Success', out_request_no: 're_0001', refund_amount: '0.50', refund_status: 'REFUND_SUCCESS' }, expected: { kind: 'succeeded' } },
    { name: 'maps refund data without a status to succeeded (Alipay\'s rule)', response: { code: '10000', msg: 'Success', out_request_no: 're_0001', refund_amount: '0.50' }, expected: { kind: 'succeeded' } },
    { name: 'maps an answer without refund fields to not_found', response: { code: '10000', msg: 'Success' }, expected: { kind: 'not_found' } },
    { name: 'maps ACQ.TRADE_NOT_EXIST on refund query to not_found', response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' }, expected: { kind: 'not_found' } },
    { name: 'maps another refund status to pending', response: { code: '10000', msg: 'Success', out_request_no: 're_0001', refund_status: 'REFUND_PROCESSING' }, expected: { kind: 'pending' } },
    { name: 'maps ACQ.SYSTEM_ERROR on refund query to unknown', response: { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.SYSTEM_ERROR' }, expected: { kind: 'unknown' } },
  ])('$name', async ({ response, expected }) => {
    answerByMethod({ 'alipay.trade.fastpay.refund.query': response });
    expect(await connector.queryRefund(ctx, refundRequest)).toMatchObject(expected);
  });
});

describe('Alipay QR mapping', () => {
  const qr = { outTradeNo: 'pay_qr', amount: 100, currency: 'CNY' as const, subject: 'Tea', expiresAt: new Date(Date.now() + 300_000) };

  it('maps 10000 with a qr_code to created', async () => {
    answerByMethod({ 'alipay.trade.precreate': { code: '10000', msg: 'Success', out_trade_no: 'pay_qr', qr_code: 'https://qr.alipay.com/bax01' } });
    expect(await connector.createQr(ctx, qr)).toEqual({ kind: 'created', qrCode: 'https://qr.alipay.com/bax01' });
  });

  it('maps a business refusal to failed', async () => {
    answerByMethod({ 'alipay.trade.precreate': { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TOTAL_FEE_EXCEED', sub_msg: 'too much' } });
    expect(await connector.createQr(ctx, qr)).toEqual({ kind: 'failed', walletCode: 'ACQ.TOTAL_FEE_EXCEED', message: 'too much' });
  });

  it('maps a timeout on precreate to unknown', async () => {
    server.answer('hang');
    expect(await connector.createQr(ctx, qr)).toMatchObject({ kind: 'unknown' });
  });
});

describe('Alipay wallet-call log', () => {
  it('reports every call exactly once with method, outcome, code, status and latency', async () => {
    answerByMethod({ 'alipay.trade.pay': { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH' } });
    await connector.pay(ctx, payRequest);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ wallet: 'alipay', method: 'alipay.trade.pay', outcome: 'failed', walletCode: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', httpStatus: 200, error: null });
    expect(calls[0]!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a timeout with its reason and no status', async () => {
    server.answer('hang');
    await connector.cancel(ctx, 'pay_0001');
    expect(calls).toEqual([expect.objectContaining({ method: 'alipay.trade.cancel', outcome: 'retry', httpStatus: null, walletCode: null, error: `no answer within ${TIMEOUT_MS} ms` })]);
  });

  it('never puts keys in what it reports', async () => {
    server.answer({ status: 502, body: '' });
    await connector.pay(ctx, payRequest);
    const reported = JSON.stringify(calls);
    expect(reported).not.toContain('PRIVATE KEY');
    expect(reported).not.toContain(app.privateKey.split('\n')[1]!);
  });
});

describe('agreement with the official alipay-sdk', () => {
  it('accepts exactly the answers alipay-sdk exec(validateSign) accepts, and alipay-sdk requests verify with our signing string', async () => {
    const body = signedAnswer('alipay.trade.query', { code: '10000', msg: 'Success', trade_status: 'TRADE_SUCCESS', trade_no: 't9', out_trade_no: 'pay_9' });
    server.answer({ body });
    const sdk = new AlipaySdk({
      appId: credentials.appId,
      privateKey: app.privateKey,
      keyType: 'PKCS8',
      alipayPublicKey: platform.publicKey,
      gateway: `${server.url}/gateway.do`,
      endpoint: server.url,
    });
    const sdkResult = await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: 'pay_9' } }, { validateSign: true });
    expect(sdkResult).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS', tradeNo: 't9' });
    expect(await connector.query(ctx, 'pay_9')).toMatchObject({ kind: 'succeeded', walletTransactionId: 't9' });

    // The SDK's own request (common parameters in the query string, biz_content in the body) verifies
    // with our signing string and the app's public key.
    const sdkParams = formParams(server.requests[0]!);
    const { sign, ...unsigned } = sdkParams;
    expect(verifyAlipayContent(alipaySigningString(unsigned), sign!, app.publicKey)).toBe(true);

    // And both reject the same tampered answer.
    server.answer({ body: body.replace('"t9"', '"t8"') });
    await expect(sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: 'pay_9' } }, { validateSign: true })).rejects.toThrow();
    expect(await connector.query(ctx, 'pay_9')).toMatchObject({ kind: 'unknown' });
  });
});
