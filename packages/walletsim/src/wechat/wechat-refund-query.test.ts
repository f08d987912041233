import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../index.ts';
import { type TenpayClient, registerAt, tenpayFor } from '../testing/tenpay-client.ts';

/** WeChat Pay v2 refundquery as the `tenpay` client sees it. */
let sim: RunningSimulator;
let tenpay: TenpayClient;
let n = 0;
const orderNo = () => `refund-${Date.now()}-${n++}`;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, confirmDelayMs: 300, lostAnswerDelayMs: 300 });
  tenpay = tenpayFor(sim.url, (await registerAt(sim.url, 'query test')).wechat);
});
afterAll(async () => {
  await sim?.close();
});

/** A paid order of 10.00 with two partial refunds, r1 (2.00) then r2 (3.00). */
async function paidWithTwoRefunds() {
  const outTradeNo = orderNo();
  const pay = await tenpay.micropay({ out_trade_no: outTradeNo, body: 'tea', total_fee: 1000, auth_code: '130000000000000001' });
  const r1 = await tenpay.refund({ out_trade_no: outTradeNo, out_refund_no: `${outTradeNo}-r1`, total_fee: 1000, refund_fee: 200 });
  const r2 = await tenpay.refund({ out_trade_no: outTradeNo, out_refund_no: `${outTradeNo}-r2`, total_fee: 1000, refund_fee: 300 });
  return { outTradeNo, transactionId: pay.transaction_id!, r1, r2 };
}

describe('refundquery', () => {
  it('lists every refund of a payment found by out_trade_no or by transaction_id', async () => {
    const { outTradeNo, transactionId, r1, r2 } = await paidWithTwoRefunds();
    for (const by of [{ out_trade_no: outTradeNo }, { transaction_id: transactionId }]) {
      const answer = await tenpay.refundQuery(by);
      expect(answer).toMatchObject({
        out_trade_no: outTradeNo,
        transaction_id: transactionId,
        total_fee: '1000',
        refund_fee: '500',
        refund_count: '2',
        out_refund_no_0: `${outTradeNo}-r1`,
        refund_id_0: r1.refund_id,
        refund_fee_0: '200',
        refund_status_0: 'SUCCESS',
        out_refund_no_1: `${outTradeNo}-r2`,
        refund_id_1: r2.refund_id,
        refund_fee_1: '300',
        refund_status_1: 'SUCCESS',
      });
      expect(answer.refund_success_time_1).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(answer.out_refund_no_2).toBeUndefined();
    }
  });

  it('finds one refund by refund_id or out_refund_no, listed at index 0', async () => {
    const { outTradeNo, transactionId, r2 } = await paidWithTwoRefunds();
    const byId = await tenpay.refundQuery({ refund_id: r2.refund_id });
    expect(byId).toMatchObject({ out_trade_no: outTradeNo, transaction_id: transactionId, refund_count: '1', out_refund_no_0: `${outTradeNo}-r2`, refund_id_0: r2.refund_id, refund_fee_0: '300', refund_fee: '300' });
    const byNo = await tenpay.refundQuery({ out_refund_no: `${outTradeNo}-r1` });
    expect(byNo).toMatchObject({ refund_count: '1', out_refund_no_0: `${outTradeNo}-r1`, refund_fee_0: '200', refund_status_0: 'SUCCESS' });
    expect(byNo.out_refund_no_1).toBeUndefined();
  });

  it('follows WeChat\'s priority when several ids are given: refund_id > out_refund_no > transaction_id > out_trade_no', async () => {
    const a = await paidWithTwoRefunds();
    const b = await paidWithTwoRefunds();
    const byRefundId = await tenpay.refundQuery({ refund_id: a.r2.refund_id, out_refund_no: `${b.outTradeNo}-r1`, transaction_id: b.transactionId, out_trade_no: b.outTradeNo });
    expect(byRefundId).toMatchObject({ refund_count: '1', out_refund_no_0: `${a.outTradeNo}-r2` });
    const byOutRefundNo = await tenpay.refundQuery({ out_refund_no: `${a.outTradeNo}-r1`, transaction_id: b.transactionId, out_trade_no: b.outTradeNo });
    expect(byOutRefundNo).toMatchObject({ refund_count: '1', out_refund_no_0: `${a.outTradeNo}-r1` });
    const byTransactionId = await tenpay.refundQuery({ transaction_id: a.transactionId, out_trade_no: b.outTradeNo });
    expect(byTransactionId).toMatchObject({ out_trade_no: a.outTradeNo, refund_count: '2' });
  });

  it('answers REFUNDNOTEXIST for an unknown refund and for a payment without refunds', async () => {
    const outTradeNo = orderNo();
    const pay = await tenpay.micropay({ out_trade_no: outTradeNo, body: 'tea', total_fee: 100, auth_code: '130000000000000001' });
    await expect(tenpay.refundQuery({ out_trade_no: outTradeNo })).rejects.toThrow('REFUNDNOTEXIST');
    await expect(tenpay.refundQuery({ transaction_id: pay.transaction_id })).rejects.toThrow('REFUNDNOTEXIST');
    await expect(tenpay.refundQuery({ refund_id: '50000000000000000000000' })).rejects.toThrow('REFUNDNOTEXIST');
  });
});
