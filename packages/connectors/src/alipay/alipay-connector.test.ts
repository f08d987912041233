import { AlipaySdk } from 'alipay-sdk';
import type { WalletContext } from '@counterpay/core';
import { describe, expect, it } from 'vitest';
import {
  answerByMethod,
  app,
  bizContent,
  calls,
  connector,
  credentials,
  ctx,
  formParams,
  payRequest,
  platform,
  refundRequest,
  server,
  signedAnswer,
  stranger,
  TIMEOUT_MS,
  useCannedAlipay,
} from '../testing/alipay-test-bench.ts';
import { CannedWalletServer } from '../testing/canned-wallet-server.ts';
import { AlipayConnector } from './alipay-connector.ts';
import { alipaySigningString, verifyAlipayContent } from './alipay-sign.ts';

useCannedAlipay();

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

  it('maps a refused connection to not_sent: the request never left', async () => {
    const closed = await CannedWalletServer.start();
    const url = closed.url;
    await closed.stop();
    const offline = new AlipayConnector({ gatewayUrl: `${url}/gateway.do`, timeoutMs: TIMEOUT_MS });
    expect(await offline.pay(ctx, payRequest)).toEqual({ kind: 'not_sent', reason: 'connection refused (ECONNREFUSED)' });
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
