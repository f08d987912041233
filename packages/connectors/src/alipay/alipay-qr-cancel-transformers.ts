import { formatDecimalAmount, type CancelOutcome, type PaymentOutcome, type QrOutcome, type QrRequest } from '@counterpay/core';
import { CANCEL_RULES, QR_RULES, settle, unhandled } from '../answer-preamble.ts';
import { formatShanghaiTime } from '../shanghai-time.ts';
import { alipayPreamble, COMMON_FIELDS, describe, failureWalletCode, message, type AlipayAnswer, type AlipayFields } from './alipay-answer.ts';

/**
 * alipay.trade.precreate (QR orders), alipay.trade.cancel (barcode payments) and alipay.trade.close
 * (QR orders): Alipay's shapes and the one mapping function per flow.
 */

export interface AlipayTradePrecreateRequest {
  out_trade_no: string;
  total_amount: string;
  trans_currency: string;
  subject: string;
  /** Absolute expiry, `yyyy-MM-dd HH:mm:ss` Asia/Shanghai; Alipay lets it win over timeout_express. */
  time_expire: string;
  /** Relative expiry (`5m`), for wallets that only read this one. */
  timeout_express: string;
}

export const TRADE_PRECREATE_FIELDS = [...COMMON_FIELDS, 'out_trade_no', 'qr_code'] as const;
export const TRADE_CANCEL_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no', 'retry_flag', 'action'] as const;
export const TRADE_CLOSE_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no'] as const;

export type AlipayTradePrecreateResponse = AlipayFields<typeof TRADE_PRECREATE_FIELDS>;
export type AlipayTradeCancelResponse = AlipayFields<typeof TRADE_CANCEL_FIELDS>;
export type AlipayTradeCloseResponse = AlipayFields<typeof TRADE_CLOSE_FIELDS>;

export function tradePrecreateRequest(req: QrRequest, now: Date = new Date()): AlipayTradePrecreateRequest {
  // Alipay counts timeout_express in whole minutes (at least 1m); round up so it never ends before expiresAt.
  const minutes = Math.max(1, Math.ceil((req.expiresAt.getTime() - now.getTime()) / 60_000));
  return {
    out_trade_no: req.outTradeNo,
    total_amount: formatDecimalAmount(req.amount, req.currency),
    trans_currency: req.currency,
    subject: req.subject,
    time_expire: formatShanghaiTime(req.expiresAt, 'yyyy-MM-dd HH:mm:ss'),
    timeout_express: `${minutes}m`,
  };
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.precreate

export function qrOutcomeFromPrecreate(answer: AlipayAnswer<AlipayTradePrecreateResponse>): QrOutcome {
  return settle(alipayPreamble(answer), QR_RULES, ({ r, result }): QrOutcome => {
    switch (result.is) {
      case 'success':
        if (!r.qr_code) return { kind: 'unknown', reason: 'Alipay answered 10000 without a qr_code' };
        return { kind: 'created', qrCode: r.qr_code };
      case 'business_failure':
        return { kind: 'failed', walletCode: failureWalletCode(r), message: message(r) };
      case 'waiting':
        return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
      default:
        return unhandled(result);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.cancel (barcode payments)

export function cancelOutcomeFromCancel(answer: AlipayAnswer<AlipayTradeCancelResponse>): CancelOutcome {
  return settle(alipayPreamble(answer), CANCEL_RULES, ({ r, result }): CancelOutcome => {
    switch (result.is) {
      case 'success':
        // retry_flag=Y: Alipay could not finish yet and asks for the same call again. Otherwise the trade
        // is closed (action=close) or was paid and given back to the buyer (action=refund).
        if (r.retry_flag === 'Y') return { kind: 'retry', reason: 'Alipay asked to cancel again (retry_flag=Y)' };
        return { kind: 'cancelled' };
      case 'business_failure':
        // ACQ.TRADE_NOT_EXIST: the pay never reached Alipay; the cancel leaves nothing to pay.
        if (NOTHING_TO_PAY.includes(result.subCode)) return { kind: 'cancelled' };
        return result.subCode === 'ACQ.TRADE_HAS_SUCCESS' ? { kind: 'paid' } : retryAfter(r);
      case 'waiting':
        return retryAfter(r);
      default:
        return unhandled(result);
    }
  });
}

/** Codes after which nothing is left to pay: no such trade, or it is closed. */
const NOTHING_TO_PAY = ['ACQ.TRADE_NOT_EXIST', 'ACQ.TRADE_HAS_CLOSE'];

function retryAfter(r: AlipayTradeCloseResponse): CancelOutcome {
  return { kind: 'retry', reason: `Alipay ${describe(r)}` };
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.close (QR orders)

export type AlipayCloseDecision = CancelOutcome | { kind: 'ask_query'; walletCode: string };

export function cancelOutcomeFromClose(answer: AlipayAnswer<AlipayTradeCloseResponse>): AlipayCloseDecision {
  return settle(alipayPreamble(answer), CANCEL_RULES, ({ r, result }): AlipayCloseDecision => {
    switch (result.is) {
      case 'success':
        return { kind: 'cancelled' };
      case 'business_failure':
        // A precreated order exists at Alipay only once a buyer scanned it: none to close, none to pay.
        if (NOTHING_TO_PAY.includes(result.subCode)) return { kind: 'cancelled' };
        // ACQ.TRADE_STATUS_ERROR, "only a trade waiting for payment can be closed": it was paid, or is
        // already closed. A query tells which, so `paid` is only ever claimed on Alipay's word.
        return result.subCode === 'ACQ.TRADE_STATUS_ERROR' ? { kind: 'ask_query', walletCode: result.subCode } : retryAfter(r);
      case 'waiting':
        return retryAfter(r);
      default:
        return unhandled(result);
    }
  });
}

/** After a close answered ACQ.TRADE_STATUS_ERROR: what the query found decides. */
export function cancelOutcomeAfterQuery(query: PaymentOutcome): CancelOutcome {
  switch (query.kind) {
    case 'succeeded':
      return { kind: 'paid' };
    case 'closed':
      return { kind: 'cancelled' };
    case 'not_found':
    case 'failed':
    case 'pending':
      return { kind: 'retry', reason: `close refused while the trade is ${query.kind}` };
    case 'unknown':
    case 'not_sent': // the close itself reached Alipay: only another attempt can confirm it
      return { kind: 'retry', reason: query.reason };
    default:
      return unhandled(query);
  }
}
