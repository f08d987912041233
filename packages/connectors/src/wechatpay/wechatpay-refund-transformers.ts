import type { RefundOutcome, RefundRequest } from '@counterpay/core';
import { REFUND_QUERY_RULES, REFUND_RULES, settle, unhandled } from '../answer-preamble.ts';
import { parseShanghaiTime } from '../shanghai-time.ts';
import { describe, wechatPreamble, type WechatAnswer, type WechatCommonResponse } from './wechatpay-answer.ts';

/**
 * /secapi/pay/refund and /pay/refundquery: WeChat Pay's shapes and the one mapping function per flow
 * where a WeChat answer becomes a counterpay refund outcome.
 */

export interface WechatRefundRequest {
  out_trade_no: string;
  out_refund_no: string;
  total_fee: string;
  refund_fee: string;
  refund_fee_type: string;
  refund_desc?: string;
}

export interface WechatRefundQueryRequest {
  out_refund_no: string;
}

export interface WechatRefundResponse extends WechatCommonResponse {
  readonly refund_id?: string;
  readonly out_refund_no?: string;
}

/** Refunds are listed with an index suffix: `out_refund_no_0`, `refund_status_0`, `refund_id_0`, … */
export interface WechatRefundQueryResponse extends WechatCommonResponse {
  readonly refund_count?: string;
  readonly [indexedField: `${'out_refund_no' | 'refund_id' | 'refund_status' | 'refund_success_time'}_${number}`]: string | undefined;
}

export function refundRequest(req: RefundRequest): WechatRefundRequest {
  return {
    out_trade_no: req.outTradeNo,
    out_refund_no: req.outRefundNo,
    total_fee: String(req.totalAmount),
    refund_fee: String(req.refundAmount),
    refund_fee_type: req.currency,
    ...(req.reason ? { refund_desc: req.reason } : {}),
  };
}

export function refundQueryRequest(req: RefundRequest): WechatRefundQueryRequest {
  return { out_refund_no: req.outRefundNo };
}

// ---------------------------------------------------------------------------------------------------
// /secapi/pay/refund

/** WeChat's refund SUCCESS only means "accepted": the refund query tells whether money moved. */
export type WechatRefundDecision = RefundOutcome | { kind: 'ask_refund_query' };

const RETRYABLE_REFUND_ERRORS = ['SYSTEMERROR', 'BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED'];

export function refundOutcomeFromRefund(answer: WechatAnswer<WechatRefundResponse>): WechatRefundDecision {
  return settle<WechatRefundResponse, WechatRefundDecision>(wechatPreamble(answer), REFUND_RULES, (r) => {
    if (r.result_code === 'SUCCESS') return { kind: 'ask_refund_query' };
    if (r.result_code !== 'FAIL' || !r.err_code || RETRYABLE_REFUND_ERRORS.includes(r.err_code)) {
      return { kind: 'unknown', reason: `WeChat Pay ${describe(r)}` };
    }
    // NOTENOUGH (merchant balance), ORDERNOTEXIST, TRADE_OVERDUE, ERROR (amount), …: refused, nothing refunded.
    return { kind: 'failed', walletCode: r.err_code, message: r.err_code_des ?? '' };
  });
}

/** After an accepted refund: the query's final answers stand; anything short of one is still pending. */
export function refundOutcomeAfterAcceptance(query: RefundOutcome): RefundOutcome {
  switch (query.kind) {
    case 'succeeded':
    case 'failed':
    case 'pending':
      return query;
    case 'not_found':
    case 'unknown':
    case 'not_sent': // the refund itself was accepted; only the follow-up query did not leave
      return { kind: 'pending' };
    default:
      return unhandled(query);
  }
}

// ---------------------------------------------------------------------------------------------------
// /pay/refundquery

const REFUND_STATUSES = ['SUCCESS', 'PROCESSING', 'REFUNDCLOSE', 'FAIL', 'CHANGE'] as const;
type RefundStatus = (typeof REFUND_STATUSES)[number] | 'unrecognised';

function refundStatus(text: string | undefined): RefundStatus {
  return (REFUND_STATUSES as readonly string[]).includes(text ?? '') ? (text as RefundStatus) : 'unrecognised';
}

/** The index under which our refund is listed; a query by out_refund_no lists it at 0. */
function refundIndex(r: WechatRefundQueryResponse, outRefundNo: string): number | null {
  const count = Math.min(Number(r.refund_count ?? '1') || 1, 50);
  for (let n = 0; n < count; n++) {
    if (r[`out_refund_no_${n}`] === outRefundNo) return n;
  }
  return r.out_refund_no_0 === undefined && r.refund_status_0 !== undefined ? 0 : null;
}

export function refundOutcomeFromRefundQuery(answer: WechatAnswer<WechatRefundQueryResponse>, outRefundNo: string): RefundOutcome {
  return settle(wechatPreamble(answer), REFUND_QUERY_RULES, (r): RefundOutcome => {
    if (r.result_code !== 'SUCCESS') {
      if (r.err_code === 'REFUNDNOTEXIST') return { kind: 'not_found' };
      return { kind: 'unknown', reason: `WeChat Pay ${describe(r)}` };
    }
    const n = refundIndex(r, outRefundNo);
    if (n === null) return { kind: 'unknown', reason: `WeChat Pay did not list refund ${outRefundNo}` };
    const status = refundStatus(r[`refund_status_${n}`]);
    switch (status) {
      case 'SUCCESS':
        return { kind: 'succeeded', walletRefundId: r[`refund_id_${n}`] || null, refundedAt: parseShanghaiTime(r[`refund_success_time_${n}`]) };
      case 'PROCESSING':
        return { kind: 'pending' };
      case 'REFUNDCLOSE':
      case 'FAIL':
      case 'CHANGE': // the buyer's account cannot take the money: WeChat hands it back to the merchant
        return { kind: 'failed', walletCode: status, message: `refund_status ${status}` };
      case 'unrecognised':
        return { kind: 'unknown', reason: `WeChat Pay answered an unknown refund_status "${r[`refund_status_${n}`] ?? ''}"` };
      default:
        return unhandled(status);
    }
  });
}
