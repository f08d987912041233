import { describe, expect, it } from 'vitest';
import { answerByMethod, calls, connector, ctx, payRequest, refundRequest, server, TIMEOUT_MS, useCannedAlipay } from '../testing/alipay-test-bench.ts';

useCannedAlipay();

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

describe('Alipay buyer', () => {
  // The payer as Alipay's answers name them: buyer_logon_id is a masked login, buyer_user_id the 2088… id.
  const buyer = { buyer_logon_id: '158****1562', buyer_user_id: '2088102177846875' };
  const paidAt = new Date('2024-05-13T09:49:20Z');

  it('takes the masked login as the account and buyer_user_id as the id from a pay answer', async () => {
    answerByMethod({ 'alipay.trade.pay': { code: '10000', msg: 'Success', trade_no: '2024051322001', gmt_payment: '2024-05-13 17:49:20', ...buyer } });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'succeeded', walletTransactionId: '2024051322001', paidAt, buyerAccount: '158****1562', buyerId: '2088102177846875' });
  });

  it('takes them from a query answer (a payment the buyer confirmed later, or a paid QR order)', async () => {
    answerByMethod({ 'alipay.trade.query': { code: '10000', msg: 'Success', trade_status: 'TRADE_SUCCESS', trade_no: '2024051322001', gmt_payment: '2024-05-13 17:49:20', buyer_logon_id: 'abc***@163.com', buyer_user_id: '2088000000000001' } });
    expect(await connector.query(ctx, 'pay_0001', 'CNY')).toEqual({ kind: 'succeeded', walletTransactionId: '2024051322001', paidAt, buyerAccount: 'abc***@163.com', buyerId: '2088000000000001' });
  });

  it('never takes the masked login for the id: without buyer_user_id there is no id', async () => {
    answerByMethod({ 'alipay.trade.pay': { code: '10000', msg: 'Success', trade_no: '2024051322001', gmt_payment: '2024-05-13 17:49:20', buyer_logon_id: '158****1562' } });
    expect(await connector.pay(ctx, payRequest)).toEqual({ kind: 'succeeded', walletTransactionId: '2024051322001', paidAt, buyerAccount: '158****1562' });
  });

  it('takes buyer_open_id as the id of an app in OpenID mode (no buyer_user_id)', async () => {
    answerByMethod({ 'alipay.trade.pay': { code: '10000', msg: 'Success', trade_no: '2024051322001', gmt_payment: '2024-05-13 17:49:20', buyer_logon_id: '158****1562', buyer_open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5' } });
    expect(await connector.pay(ctx, payRequest)).toMatchObject({ buyerAccount: '158****1562', buyerId: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5' });
  });

  it('names no buyer when the answer names none, or only blanks', async () => {
    answerByMethod({ 'alipay.trade.query': { code: '10000', msg: 'Success', trade_status: 'TRADE_SUCCESS', trade_no: 't1', buyer_logon_id: '', buyer_user_id: ' ' } });
    expect(await connector.query(ctx, 'pay_0001', 'CNY')).toEqual({ kind: 'succeeded', walletTransactionId: 't1', paidAt: null });
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
