import { formatDecimalAmount, type PaymentOutcome, type PayRequest } from '@counterpay/core';
import { PAY_RULES, PAYMENT_QUERY_RULES, settle, unhandled } from '../answer-preamble.ts';
import { payDecisionFromRefusal, type PayDecision, type PayRefusal } from '../pay-refusal.ts';
import { parseShanghaiTime } from '../shanghai-time.ts';
import { alipayPreamble, COMMON_FIELDS, describe, failureWalletCode, message, type AlipayAnswer, type AlipayFields, type AlipayReading } from './alipay-answer.ts';

/**
 * alipay.trade.pay (barcode) and alipay.trade.query: Alipay's shapes and the one mapping function per
 * flow where an Alipay answer becomes a counterpay payment outcome.
 */

export interface AlipayTradePayRequest {
  out_trade_no: string;
  scene: 'bar_code';
  auth_code: string;
  total_amount: string;
  trans_currency: string;
  subject: string;
  store_id?: string;
  terminal_id?: string;
}

/** Query, cancel and close name the trade by our order number only. */
export interface AlipayTradeReferenceRequest {
  out_trade_no: string;
}

/** The buyer: `buyer_logon_id` (masked login), `buyer_user_id` (2088…), or `buyer_open_id` for apps in Alipay's OpenID mode. */
const BUYER_FIELDS = ['buyer_logon_id', 'buyer_user_id', 'buyer_open_id'] as const;
export const TRADE_PAY_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no', ...BUYER_FIELDS, 'total_amount', 'gmt_payment', 'trade_status'] as const;
export const TRADE_QUERY_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no', ...BUYER_FIELDS, 'trade_status', 'total_amount', 'gmt_payment', 'send_pay_date'] as const;

export type AlipayTradePayResponse = AlipayFields<typeof TRADE_PAY_FIELDS>;
export type AlipayTradeQueryResponse = AlipayFields<typeof TRADE_QUERY_FIELDS>;

export function tradePayRequest(req: PayRequest): AlipayTradePayRequest {
  return {
    out_trade_no: req.outTradeNo,
    scene: 'bar_code',
    auth_code: req.authCode,
    total_amount: formatDecimalAmount(req.amount, req.currency),
    trans_currency: req.currency,
    subject: req.subject,
    ...(req.storeId ? { store_id: req.storeId } : {}),
    ...(req.terminalId ? { terminal_id: req.terminalId } : {}),
  };
}

export function tradeReferenceRequest(outTradeNo: string): AlipayTradeReferenceRequest {
  return { out_trade_no: outTradeNo };
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.pay

/** Alipay's 40004 sub_codes of a refused barcode payment; a `payment_code` one is expired or invalid by its message. */
const PAY_REFUSALS: Readonly<Record<string, PayRefusal | 'payment_code'>> = {
  'ACQ.BUYER_BALANCE_NOT_ENOUGH': 'insufficient_balance',
  'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH': 'insufficient_balance',
  'ACQ.PAYMENT_AUTH_CODE_INVALID': 'payment_code',
  'ACQ.TRADE_HAS_SUCCESS': 'order_exists',
  'ACQ.TRADE_STATUS_ERROR': 'order_exists',
  'ACQ.CONTEXT_INCONSISTENT': 'order_exists',
  'ACQ.TRADE_HAS_CLOSE': 'order_closed',
  'ACQ.INVALID_PARAMETER': 'merchant_setup',
  'ACQ.ACCESS_FORBIDDEN': 'merchant_setup',
  'ACQ.EXIST_FORBIDDEN_WORD': 'merchant_setup',
  'ACQ.PARTNER_ERROR': 'merchant_setup',
  'ACQ.TOTAL_FEE_EXCEED': 'merchant_setup',
  'ACQ.INVALID_STORE_ID': 'merchant_setup',
  'ACQ.SELLER_BEEN_BLOCKED': 'merchant_setup',
  'ACQ.CURRENCY_NOT_SUPPORT': 'merchant_setup',
  'ACQ.PRODUCT_AMOUNT_LIMIT_ERROR': 'merchant_setup',
};

const EXPIRED = /expire|过期|失效/i;

function payRefusal(subCode: string, subMsg: string): PayRefusal {
  const known = Object.hasOwn(PAY_REFUSALS, subCode) ? PAY_REFUSALS[subCode] : undefined;
  const refusal = known ?? (subCode.includes('AUTH_CODE') ? 'payment_code' : subCode.includes('BALANCE_NOT_ENOUGH') ? 'insufficient_balance' : 'buyer_refused');
  if (refusal !== 'payment_code') return refusal;
  return EXPIRED.test(`${subCode} ${subMsg}`) ? 'code_expired' : 'code_invalid';
}

export function paymentOutcomeFromPay(answer: AlipayAnswer<AlipayTradePayResponse>): PayDecision {
  return settle<AlipayReading<AlipayTradePayResponse>, PayDecision>(alipayPreamble(answer), PAY_RULES, ({ r, result }) => {
    switch (result.is) {
      case 'success':
        // A pay answer usually has no trade_status; when it has one, it wins.
        if (r.trade_status === 'WAIT_BUYER_PAY') return { kind: 'pending', walletCode: r.trade_status };
        if (r.trade_status === 'TRADE_CLOSED') return { kind: 'closed', walletCode: r.trade_status };
        if (!r.trade_no) return { kind: 'unknown', reason: 'Alipay answered 10000 without a trade_no' };
        return succeeded(r.trade_no, r.gmt_payment, r);
      case 'waiting':
        return { kind: 'pending', walletCode: r.code ?? '10003' };
      case 'business_failure':
        return payDecisionFromRefusal(payRefusal(result.subCode, r.sub_msg ?? ''), failureWalletCode(r), message(r));
      default:
        return unhandled(result);
    }
  });
}

/**
 * The payer as Alipay names them: the masked login (`buyer_logon_id`, e.g. `158****1562`) is the account,
 * the stable id (`buyer_user_id`, or `buyer_open_id` for OpenID-mode apps) the id; each absent when not given.
 */
function succeeded(tradeNo: string, paidAt: string | undefined, r: { buyer_logon_id?: string; buyer_user_id?: string; buyer_open_id?: string }): PaymentOutcome {
  const buyerAccount = r.buyer_logon_id?.trim();
  const buyerId = (r.buyer_user_id || r.buyer_open_id)?.trim();
  return {
    kind: 'succeeded',
    walletTransactionId: tradeNo,
    paidAt: parseShanghaiTime(paidAt),
    ...(buyerAccount ? { buyerAccount } : {}),
    ...(buyerId ? { buyerId } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.query

const TRADE_STATUSES = ['WAIT_BUYER_PAY', 'TRADE_CLOSED', 'TRADE_SUCCESS', 'TRADE_FINISHED'] as const;
type TradeStatus = (typeof TRADE_STATUSES)[number] | 'unrecognised';

function tradeStatus(text: string | undefined): TradeStatus {
  return (TRADE_STATUSES as readonly string[]).includes(text ?? '') ? (text as TradeStatus) : 'unrecognised';
}

export function paymentOutcomeFromQuery(answer: AlipayAnswer<AlipayTradeQueryResponse>): PaymentOutcome {
  return settle(alipayPreamble(answer), PAYMENT_QUERY_RULES, ({ r, result }): PaymentOutcome => {
    switch (result.is) {
      case 'success':
        return paymentOutcomeFromTradeStatus(r);
      case 'waiting':
        return { kind: 'pending', walletCode: r.code ?? '10003' };
      case 'business_failure':
        if (result.subCode === 'ACQ.TRADE_NOT_EXIST') return { kind: 'not_found' };
        // Any other refusal to *answer* says nothing about the trade itself.
        return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
      default:
        return unhandled(result);
    }
  });
}

function paymentOutcomeFromTradeStatus(r: AlipayTradeQueryResponse): PaymentOutcome {
  const status = tradeStatus(r.trade_status);
  switch (status) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      if (!r.trade_no) return { kind: 'unknown', reason: `Alipay reported ${status} without a trade_no` };
      return succeeded(r.trade_no, r.gmt_payment || r.send_pay_date, r);
    case 'WAIT_BUYER_PAY':
      return { kind: 'pending', walletCode: status };
    case 'TRADE_CLOSED':
      // Closed unpaid, or paid and then fully given back (cancel with action=refund): either way the
      // buyer keeps the money, which is what `closed` means to counterpay.
      return { kind: 'closed', walletCode: status };
    case 'unrecognised':
      return { kind: 'unknown', reason: `Alipay answered an unknown trade_status "${r.trade_status ?? ''}"` };
    default:
      return unhandled(status);
  }
}
