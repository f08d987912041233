import { formatDecimalAmount, type RefundOutcome, type RefundRequest } from '@counterpay/core';
import { REFUND_QUERY_RULES, REFUND_RULES, settle, unhandled } from '../answer-preamble.ts';
import { parseShanghaiTime } from '../shanghai-time.ts';
import { alipayPreamble, COMMON_FIELDS, describe, failureWalletCode, message, type AlipayAnswer, type AlipayFields } from './alipay-answer.ts';

/**
 * alipay.trade.refund and alipay.trade.fastpay.refund.query: Alipay's shapes and the one mapping
 * function per flow where an Alipay answer becomes a counterpay refund outcome.
 */

export interface AlipayTradeRefundRequest {
  out_trade_no: string;
  out_request_no: string;
  refund_amount: string;
  refund_currency: string;
  refund_reason?: string;
}

export interface AlipayTradeFastpayRefundQueryRequest {
  out_trade_no: string;
  out_request_no: string;
  query_options: string[];
}

export const TRADE_REFUND_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no', 'fund_change', 'refund_fee', 'gmt_refund_pay'] as const;
export const TRADE_REFUND_QUERY_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no', 'out_request_no', 'refund_amount', 'total_amount', 'refund_status', 'gmt_refund_pay'] as const;

export type AlipayTradeRefundResponse = AlipayFields<typeof TRADE_REFUND_FIELDS>;
export type AlipayTradeFastpayRefundQueryResponse = AlipayFields<typeof TRADE_REFUND_QUERY_FIELDS>;

export function tradeRefundRequest(req: RefundRequest): AlipayTradeRefundRequest {
  return {
    out_trade_no: req.outTradeNo,
    out_request_no: req.outRefundNo,
    refund_amount: formatDecimalAmount(req.refundAmount, req.currency),
    refund_currency: req.currency,
    ...(req.reason ? { refund_reason: req.reason } : {}),
  };
}

export function tradeRefundQueryRequest(req: RefundRequest): AlipayTradeFastpayRefundQueryRequest {
  return { out_trade_no: req.outTradeNo, out_request_no: req.outRefundNo, query_options: ['gmt_refund_pay'] };
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.refund

export function refundOutcomeFromRefund(answer: AlipayAnswer<AlipayTradeRefundResponse>): RefundOutcome {
  return settle(alipayPreamble(answer), REFUND_RULES, ({ r, result }): RefundOutcome => {
    switch (result.is) {
      case 'success':
        // fund_change=N: this call moved no money (e.g. a repeat of a refund still in progress); Alipay
        // asks merchants to confirm with the refund query.
        if (r.fund_change === 'N') return { kind: 'pending' };
        return { kind: 'succeeded', walletRefundId: null, refundedAt: parseShanghaiTime(r.gmt_refund_pay) };
      case 'waiting':
        return { kind: 'pending' };
      case 'business_failure':
        // Alipay refused this refund request; it refunded nothing.
        return { kind: 'failed', walletCode: failureWalletCode(r), message: message(r) };
      default:
        return unhandled(result);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.fastpay.refund.query

type RefundStatus = 'REFUND_SUCCESS' | 'absent' | 'other';

function refundStatus(text: string | undefined): RefundStatus {
  if (!text) return 'absent';
  return text === 'REFUND_SUCCESS' ? 'REFUND_SUCCESS' : 'other';
}

export function refundOutcomeFromRefundQuery(answer: AlipayAnswer<AlipayTradeFastpayRefundQueryResponse>): RefundOutcome {
  return settle(alipayPreamble(answer), REFUND_QUERY_RULES, ({ r, result }): RefundOutcome => {
    switch (result.is) {
      case 'success':
        return refundOutcomeFromRefundStatus(r);
      case 'waiting':
        return { kind: 'pending' };
      case 'business_failure':
        if (result.subCode === 'ACQ.TRADE_NOT_EXIST' || result.subCode === 'ACQ.REFUND_NOT_EXIST') return { kind: 'not_found' };
        return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
      default:
        return unhandled(result);
    }
  });
}

function refundOutcomeFromRefundStatus(r: AlipayTradeFastpayRefundQueryResponse): RefundOutcome {
  const status = refundStatus(r.refund_status);
  switch (status) {
    case 'REFUND_SUCCESS':
      return { kind: 'succeeded', walletRefundId: null, refundedAt: parseShanghaiTime(r.gmt_refund_pay) };
    case 'absent':
      // Alipay's rule: refund data without a status is a successful refund; no refund data at all
      // means the refund request never took effect (send it again).
      if (r.out_request_no || r.refund_amount) {
        return { kind: 'succeeded', walletRefundId: null, refundedAt: parseShanghaiTime(r.gmt_refund_pay) };
      }
      return { kind: 'not_found' };
    case 'other':
      return { kind: 'pending' };
    default:
      return unhandled(status);
  }
}
