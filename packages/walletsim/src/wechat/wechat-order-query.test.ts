import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../index.ts';
import { type TenpayClient, registerAt, tenpayFor } from '../testing/tenpay-client.ts';

/** WeChat Pay v2 orderquery of unpaid orders as the `tenpay` client sees it. */
let sim: RunningSimulator;
let tenpay: TenpayClient;
let n = 0;
const orderNo = () => `order-${Date.now()}-${n++}`;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, confirmDelayMs: 300, lostAnswerDelayMs: 300 });
  tenpay = tenpayFor(sim.url, (await registerAt(sim.url, 'query test')).wechat);
});
afterAll(async () => {
  await sim?.close();
});

describe('orderquery of unpaid orders', () => {
  it('shows a reversed unpaid micropay as REVOKED, with no transaction_id or openid, and refuses to pay it again', async () => {
    const outTradeNo = orderNo();
    await expect(tenpay.micropay({ out_trade_no: outTradeNo, body: 'tea', total_fee: 100, auth_code: '130000000000000005' })).rejects.toThrow('USERPAYING');
    const waiting = await tenpay.orderQuery({ out_trade_no: outTradeNo });
    expect(waiting.trade_state).toBe('USERPAYING');
    expect(waiting).not.toHaveProperty('transaction_id');
    expect(waiting).not.toHaveProperty('openid');
    await tenpay.reverse({ out_trade_no: outTradeNo });
    const revoked = await tenpay.orderQuery({ out_trade_no: outTradeNo });
    expect(revoked).toMatchObject({ out_trade_no: outTradeNo, trade_state: 'REVOKED', total_fee: '100' });
    expect(revoked).not.toHaveProperty('transaction_id');
    expect(revoked).not.toHaveProperty('openid');
    await expect(tenpay.micropay({ out_trade_no: outTradeNo, body: 'tea', total_fee: 100, auth_code: '130000000000000005' })).rejects.toThrow('ORDERREVERSED');
  });

  it('shows an unpaid QR order as NOTPAY and, once closed, CLOSED, never with a transaction_id or openid', async () => {
    const outTradeNo = orderNo();
    await tenpay.unifiedOrder({ out_trade_no: outTradeNo, body: 'tea', total_fee: 100, trade_type: 'NATIVE', spbill_create_ip: '127.0.0.1', notify_url: 'http://127.0.0.1:9/n' });
    const open = await tenpay.orderQuery({ out_trade_no: outTradeNo });
    expect(open.trade_state).toBe('NOTPAY');
    expect(open).not.toHaveProperty('transaction_id');
    await tenpay.closeOrder({ out_trade_no: outTradeNo });
    const closed = await tenpay.orderQuery({ out_trade_no: outTradeNo });
    expect(closed.trade_state).toBe('CLOSED');
    expect(closed).not.toHaveProperty('transaction_id');
    expect(closed).not.toHaveProperty('openid');
  });

  it('keeps transaction_id and openid on a paid order, and after it was reversed', async () => {
    const outTradeNo = orderNo();
    const pay = await tenpay.micropay({ out_trade_no: outTradeNo, body: 'tea', total_fee: 100, auth_code: '130000000000000001' });
    await tenpay.reverse({ out_trade_no: outTradeNo });
    const revoked = await tenpay.orderQuery({ out_trade_no: outTradeNo });
    expect(revoked).toMatchObject({ trade_state: 'REVOKED', transaction_id: pay.transaction_id, openid: pay.openid });
  });
});
