import { alipayTime } from '../clock.ts';
import type { SimContext } from '../sim-context.ts';
import type { RefundRecord, Trade } from '../wallet-book.ts';

type Fields = Record<string, string>;

export type RefundQueryAnswer = { kind: 'found'; fields: Fields } | { kind: 'not_found' } | { kind: 'no_id' };

/**
 * /pay/refundquery: the refunds named by the one id WeChat Pay reads, in its priority order
 * refund_id > out_refund_no > transaction_id > out_trade_no. A refund id lists that refund alone
 * (at index 0); a payment id lists every refund of the payment, oldest first.
 */
export function queryRefunds(sim: SimContext, mchId: string, p: Fields): RefundQueryAnswer {
  const mine = [...sim.store.refunds.values()].filter((r) => r.wallet === 'wechat' && r.merchant === mchId);
  let refunds: RefundRecord[];
  if (p.refund_id) refunds = mine.filter((r) => r.refundId === p.refund_id);
  else if (p.out_refund_no) refunds = mine.filter((r) => r.outRefundNo === p.out_refund_no);
  else if (p.transaction_id || p.out_trade_no) {
    const trade = p.transaction_id ? sim.book.findByTradeNo('wechat', mchId, p.transaction_id) : sim.book.find('wechat', mchId, p.out_trade_no!);
    refunds = trade ? sim.book.refundsOf(trade) : [];
  } else return { kind: 'no_id' };
  const trade = refunds[0] && sim.book.find('wechat', mchId, refunds[0].outTradeNo);
  if (!trade) return { kind: 'not_found' };
  return { kind: 'found', fields: listFields(trade, refunds) };
}

function listFields(trade: Trade, refunds: RefundRecord[]): Fields {
  const fields: Fields = {
    out_trade_no: trade.outTradeNo,
    transaction_id: trade.tradeNo,
    total_fee: String(trade.amount),
    fee_type: trade.currency,
    cash_fee: String(trade.amount),
    refund_fee: String(refunds.reduce((sum, r) => sum + r.amount, 0)),
    refund_count: String(refunds.length),
  };
  refunds.forEach((r, n) => {
    fields[`out_refund_no_${n}`] = r.outRefundNo;
    fields[`refund_id_${n}`] = r.refundId;
    fields[`refund_channel_${n}`] = 'ORIGINAL';
    fields[`refund_fee_${n}`] = String(r.amount);
    // The simulator refunds at once, so every refund it lists has succeeded.
    fields[`refund_status_${n}`] = 'SUCCESS';
    fields[`refund_recv_accout_${n}`] = '支付用户零钱';
    fields[`refund_success_time_${n}`] = alipayTime(new Date(r.createdAt));
  });
  return fields;
}
