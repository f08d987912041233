import {
  formatDecimalAmount,
  type CancelOutcome,
  type FailureCode,
  type PaymentOutcome,
  type PayRequest,
  type QrOutcome,
  type QrRequest,
  type RefundOutcome,
  type RefundRequest,
} from '@counterpay/core';
import { formatShanghaiTime, parseShanghaiTime } from '../shanghai-time.ts';

/**
 * Alipay's own request and response shapes (PROTOCOLS.md §4) and the one mapping function per flow
 * where an Alipay answer becomes a counterpay outcome. Nothing here does I/O; nothing here leaves the
 * connector folder.
 */

// ---------------------------------------------------------------------------------------------------
// Requests: the biz_content of each method.

export const ALIPAY_METHODS = [
  'alipay.trade.pay',
  'alipay.trade.precreate',
  'alipay.trade.query',
  'alipay.trade.cancel',
  'alipay.trade.close',
  'alipay.trade.refund',
  'alipay.trade.fastpay.refund.query',
] as const;
export type AlipayMethod = (typeof ALIPAY_METHODS)[number];

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

/** Query, cancel and close name the trade by our order number only. */
export interface AlipayTradeReferenceRequest {
  out_trade_no: string;
}

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

export function tradeReferenceRequest(outTradeNo: string): AlipayTradeReferenceRequest {
  return { out_trade_no: outTradeNo };
}

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
// Responses: the value of `<method>_response`, once its signature verified.

const COMMON_FIELDS = ['code', 'msg', 'sub_code', 'sub_msg'] as const;

export const TRADE_PAY_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no', 'buyer_logon_id', 'buyer_user_id', 'total_amount', 'gmt_payment', 'trade_status'] as const;
export const TRADE_PRECREATE_FIELDS = [...COMMON_FIELDS, 'out_trade_no', 'qr_code'] as const;
export const TRADE_QUERY_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no', 'buyer_logon_id', 'buyer_user_id', 'trade_status', 'total_amount', 'gmt_payment', 'send_pay_date'] as const;
export const TRADE_CANCEL_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no', 'retry_flag', 'action'] as const;
export const TRADE_CLOSE_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no'] as const;
export const TRADE_REFUND_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no', 'fund_change', 'refund_fee', 'gmt_refund_pay'] as const;
export const TRADE_REFUND_QUERY_FIELDS = [...COMMON_FIELDS, 'trade_no', 'out_trade_no', 'out_request_no', 'refund_amount', 'total_amount', 'refund_status', 'gmt_refund_pay'] as const;

/** An Alipay answer: every field optional text, because the wire promises nothing. */
export type AlipayFields<K extends readonly string[]> = { readonly [P in K[number]]?: string };

export type AlipayTradePayResponse = AlipayFields<typeof TRADE_PAY_FIELDS>;
export type AlipayTradePrecreateResponse = AlipayFields<typeof TRADE_PRECREATE_FIELDS>;
export type AlipayTradeQueryResponse = AlipayFields<typeof TRADE_QUERY_FIELDS>;
export type AlipayTradeCancelResponse = AlipayFields<typeof TRADE_CANCEL_FIELDS>;
export type AlipayTradeCloseResponse = AlipayFields<typeof TRADE_CLOSE_FIELDS>;
export type AlipayTradeRefundResponse = AlipayFields<typeof TRADE_REFUND_FIELDS>;
export type AlipayTradeFastpayRefundQueryResponse = AlipayFields<typeof TRADE_REFUND_QUERY_FIELDS>;

/** Picks the named string fields of a parsed `<method>_response` value; null when it is not an object. */
export function readAlipayResponse<K extends readonly string[]>(value: unknown, fields: K): AlipayFields<K> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const picked: Record<string, string> = {};
  for (const field of fields) {
    const v = (value as Record<string, unknown>)[field];
    if (typeof v === 'string') picked[field] = v;
    else if (typeof v === 'number' && Number.isSafeInteger(v)) picked[field] = String(v); // a code sent as a number
  }
  return picked as AlipayFields<K>;
}

/**
 * What the connector got back. `not_sent`: the request could not even be signed (bad private key), so
 * the wallet never saw it. `no_answer`: sent, but nothing trustworthy came back (timeout, network,
 * non-2xx, unreadable body, missing or bad signature).
 */
export type AlipayAnswer<T> =
  | { kind: 'answer'; response: T }
  | { kind: 'no_answer'; reason: string }
  | { kind: 'not_sent'; reason: string };

// ---------------------------------------------------------------------------------------------------
// Reading result codes.

type CommonResponse = AlipayFields<typeof COMMON_FIELDS>;

/**
 * Alipay's gateway codes, grouped by what they tell us:
 * - `success` 10000; `waiting` 10003 (the buyer is confirming); `unknown` 20000 (service unavailable)
 *   and ACQ.SYSTEM_ERROR (any flow): the business outcome is not known.
 * - `request_rejected` 20001 / 40001 / 40002 / 40006: the gateway refused the *request* (permissions,
 *   missing or invalid parameter, bad request signature) before any business processing, so this
 *   request created, changed or refunded nothing.
 * - `business_failure` 40004: the business refused; `sub_code` says why.
 * - `unrecognised`: any other code; treated as "we do not know".
 */
type AlipayResult =
  | { result: 'success' }
  | { result: 'waiting' }
  | { result: 'unknown' }
  | { result: 'request_rejected' }
  | { result: 'business_failure'; subCode: string }
  | { result: 'unrecognised' };

function alipayResult(response: CommonResponse): AlipayResult {
  if (response.sub_code === 'ACQ.SYSTEM_ERROR') return { result: 'unknown' };
  switch (response.code) {
    case '10000':
      return { result: 'success' };
    case '10003':
      return { result: 'waiting' };
    case '20000':
      return { result: 'unknown' };
    case '20001':
    case '40001':
    case '40002':
    case '40006':
      return { result: 'request_rejected' };
    case '40004':
      return { result: 'business_failure', subCode: response.sub_code ?? '' };
    default:
      return { result: 'unrecognised' };
  }
}

/** The code worth logging: the sub_code when there is one, else the code (or the trade status on success). */
export function alipayWalletCode(answer: AlipayAnswer<CommonResponse & { trade_status?: string }>): string | null {
  if (answer.kind !== 'answer') return null;
  const r = answer.response;
  if (r.code === '10000' && r.trade_status) return r.trade_status;
  return r.sub_code || r.code || null;
}

/** The transport or trust problem worth logging, if any. */
export function alipayAnswerError(answer: AlipayAnswer<unknown>): string | null {
  return answer.kind === 'answer' ? null : answer.reason;
}

function describe(response: CommonResponse): string {
  const code = [response.code, response.sub_code].filter(Boolean).join(' ');
  const message = response.sub_msg || response.msg || '';
  return message ? `${code}: ${message}` : code || 'no code';
}

function message(response: CommonResponse): string {
  return response.sub_msg || response.msg || '';
}

function failureWalletCode(response: CommonResponse): string {
  return response.sub_code || response.code || 'unknown';
}

function assertNever(value: never): never {
  throw new Error(`unhandled Alipay case: ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.pay

/** The pay answer, or a request to ask again by query (the order already exists at Alipay). */
export type AlipayPayDecision = PaymentOutcome | { kind: 'ask_query'; walletCode: string };

/** Why a 40004 refused a barcode payment. */
type PayRefusal = 'insufficient_balance' | 'payment_code' | 'order_exists' | 'order_closed' | 'merchant_setup' | 'buyer_refused';

const PAY_REFUSALS: Readonly<Record<string, PayRefusal>> = {
  'ACQ.BUYER_BALANCE_NOT_ENOUGH': 'insufficient_balance',
  'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH': 'insufficient_balance',
  'ACQ.PAYMENT_AUTH_CODE_INVALID': 'payment_code',
  // The out_trade_no is already taken: it is ours, so whatever happened to it is this payment's truth.
  'ACQ.TRADE_HAS_SUCCESS': 'order_exists',
  'ACQ.TRADE_STATUS_ERROR': 'order_exists',
  'ACQ.CONTEXT_INCONSISTENT': 'order_exists',
  'ACQ.TRADE_HAS_CLOSE': 'order_closed',
  // The merchant's own set-up or request is wrong: nothing about the buyer.
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

function payRefusal(subCode: string): PayRefusal {
  const known = Object.hasOwn(PAY_REFUSALS, subCode) ? PAY_REFUSALS[subCode] : undefined;
  if (known) return known;
  if (subCode.includes('AUTH_CODE')) return 'payment_code';
  if (subCode.includes('BALANCE_NOT_ENOUGH')) return 'insufficient_balance';
  return 'buyer_refused';
}

const EXPIRED = /expire|过期|失效/i;

export function paymentOutcomeFromPay(answer: AlipayAnswer<AlipayTradePayResponse>): AlipayPayDecision {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
      return { kind: 'unknown', reason: answer.reason };
    case 'not_sent':
      // Never sent, so no trade can exist: the payment cannot go through with these credentials.
      return { kind: 'failed', code: 'failed_processing', walletCode: 'not_sent', message: answer.reason };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  const result = alipayResult(r);
  switch (result.result) {
    case 'success':
      // A pay answer usually has no trade_status; when it has one, it wins.
      if (r.trade_status === 'WAIT_BUYER_PAY') return { kind: 'pending', walletCode: r.trade_status };
      if (r.trade_status === 'TRADE_CLOSED') return { kind: 'closed', walletCode: r.trade_status };
      if (!r.trade_no) return { kind: 'unknown', reason: 'Alipay answered 10000 without a trade_no' };
      return succeeded(r.trade_no, r.gmt_payment, r);
    case 'waiting':
      return { kind: 'pending', walletCode: r.code ?? '10003' };
    case 'unknown':
    case 'unrecognised':
      return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
    case 'request_rejected':
      // The gateway refused this request (e.g. 40002 isv.invalid-signature) before creating a trade.
      // That is no decision about the buyer, but it is certain no trade exists for it and none will:
      // `unknown` would only make the resolver query a trade that cannot appear until its deadline.
      // (A signature error on *query* says nothing about a trade made earlier: there it is `unknown`.)
      return { kind: 'failed', code: 'failed_processing', walletCode: failureWalletCode(r), message: message(r) };
    case 'business_failure':
      return paymentOutcomeFromPayRefusal(r, result.subCode);
    default:
      return assertNever(result);
  }
}

function paymentOutcomeFromPayRefusal(r: AlipayTradePayResponse, subCode: string): AlipayPayDecision {
  const refusal = payRefusal(subCode);
  const failed = (code: FailureCode): AlipayPayDecision => ({ kind: 'failed', code, walletCode: failureWalletCode(r), message: message(r) });
  switch (refusal) {
    case 'insufficient_balance':
      return failed('insufficient_balance');
    case 'payment_code':
      return failed(EXPIRED.test(`${subCode} ${r.sub_msg ?? ''}`) ? 'barcode_expired' : 'invalid_barcode');
    case 'order_exists':
      return { kind: 'ask_query', walletCode: subCode };
    case 'order_closed':
      return { kind: 'closed', walletCode: subCode };
    case 'merchant_setup':
      return failed('failed_processing');
    case 'buyer_refused':
      return failed('payment_rejected');
    default:
      return assertNever(refusal);
  }
}

function succeeded(tradeNo: string, paidAt: string | undefined, r: { buyer_user_id?: string; buyer_logon_id?: string }): PaymentOutcome {
  const buyerId = r.buyer_user_id || r.buyer_logon_id;
  return { kind: 'succeeded', walletTransactionId: tradeNo, paidAt: parseShanghaiTime(paidAt), ...(buyerId ? { buyerId } : {}) };
}

/** After `ask_query`: the query's answer is the payment's; a trade that "exists" but cannot be found is unknown. */
export function paymentOutcomeAfterQuery(query: PaymentOutcome, askedBecause: string): PaymentOutcome {
  if (query.kind === 'not_found') return { kind: 'unknown', reason: `Alipay said ${askedBecause} but the query found no trade` };
  return query;
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.query

const TRADE_STATUSES = ['WAIT_BUYER_PAY', 'TRADE_CLOSED', 'TRADE_SUCCESS', 'TRADE_FINISHED'] as const;
type TradeStatus = (typeof TRADE_STATUSES)[number] | 'unrecognised';

function tradeStatus(text: string | undefined): TradeStatus {
  return (TRADE_STATUSES as readonly string[]).includes(text ?? '') ? (text as TradeStatus) : 'unrecognised';
}

export function paymentOutcomeFromQuery(answer: AlipayAnswer<AlipayTradeQueryResponse>): PaymentOutcome {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
    case 'not_sent':
      return { kind: 'unknown', reason: answer.reason };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  const result = alipayResult(r);
  switch (result.result) {
    case 'success':
      return paymentOutcomeFromTradeStatus(r);
    case 'waiting':
      return { kind: 'pending', walletCode: r.code ?? '10003' };
    case 'business_failure':
      if (result.subCode === 'ACQ.TRADE_NOT_EXIST') return { kind: 'not_found' };
      // Any other refusal to *answer* says nothing about the trade itself.
      return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
    case 'unknown':
    case 'request_rejected':
    case 'unrecognised':
      return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
    default:
      return assertNever(result);
  }
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
      return assertNever(status);
  }
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.cancel (barcode payments)

export function cancelOutcomeFromCancel(answer: AlipayAnswer<AlipayTradeCancelResponse>): CancelOutcome {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
    case 'not_sent':
      return { kind: 'retry', reason: answer.reason };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  const result = alipayResult(r);
  switch (result.result) {
    case 'success':
      // retry_flag=Y: Alipay could not finish yet and asks for the same call again. Otherwise the trade
      // is closed (action=close) or was paid and given back to the buyer (action=refund).
      if (r.retry_flag === 'Y') return { kind: 'retry', reason: 'Alipay asked to cancel again (retry_flag=Y)' };
      return { kind: 'cancelled' };
    case 'business_failure':
      switch (result.subCode) {
        case 'ACQ.TRADE_NOT_EXIST': // the pay never reached Alipay; the cancel leaves nothing to pay
        case 'ACQ.TRADE_HAS_CLOSE':
          return { kind: 'cancelled' };
        case 'ACQ.TRADE_HAS_SUCCESS':
          return { kind: 'paid' };
        default:
          return { kind: 'retry', reason: `Alipay ${describe(r)}` };
      }
    case 'waiting':
    case 'unknown':
    case 'request_rejected':
    case 'unrecognised':
      return { kind: 'retry', reason: `Alipay ${describe(r)}` };
    default:
      return assertNever(result);
  }
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.close (QR orders)

export type AlipayCloseDecision = CancelOutcome | { kind: 'ask_query'; walletCode: string };

export function cancelOutcomeFromClose(answer: AlipayAnswer<AlipayTradeCloseResponse>): AlipayCloseDecision {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
    case 'not_sent':
      return { kind: 'retry', reason: answer.reason };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  const result = alipayResult(r);
  switch (result.result) {
    case 'success':
      return { kind: 'cancelled' };
    case 'business_failure':
      switch (result.subCode) {
        // A precreated order exists at Alipay only once a buyer scanned it: none to close, none to pay.
        case 'ACQ.TRADE_NOT_EXIST':
        case 'ACQ.TRADE_HAS_CLOSE':
          return { kind: 'cancelled' };
        // "Only a trade waiting for payment can be closed": it was paid, or is already closed. A query
        // tells which, so `paid` is only ever claimed on Alipay's word that the trade succeeded.
        case 'ACQ.TRADE_STATUS_ERROR':
          return { kind: 'ask_query', walletCode: result.subCode };
        default:
          return { kind: 'retry', reason: `Alipay ${describe(r)}` };
      }
    case 'waiting':
    case 'unknown':
    case 'request_rejected':
    case 'unrecognised':
      return { kind: 'retry', reason: `Alipay ${describe(r)}` };
    default:
      return assertNever(result);
  }
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
      return { kind: 'retry', reason: query.reason };
    default:
      return assertNever(query);
  }
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.refund

export function refundOutcomeFromRefund(answer: AlipayAnswer<AlipayTradeRefundResponse>): RefundOutcome {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
      return { kind: 'unknown', reason: answer.reason };
    case 'not_sent':
      return { kind: 'failed', walletCode: 'not_sent', message: answer.reason };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  const result = alipayResult(r);
  switch (result.result) {
    case 'success':
      // fund_change=N: this call moved no money (e.g. a repeat of a refund still in progress); Alipay
      // asks merchants to confirm with the refund query.
      if (r.fund_change === 'N') return { kind: 'pending' };
      return { kind: 'succeeded', walletRefundId: null, refundedAt: parseShanghaiTime(r.gmt_refund_pay) };
    case 'waiting':
      return { kind: 'pending' };
    case 'unknown':
    case 'unrecognised':
      return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
    case 'request_rejected':
    case 'business_failure':
      // Alipay refused this refund request; it refunded nothing.
      return { kind: 'failed', walletCode: failureWalletCode(r), message: message(r) };
    default:
      return assertNever(result);
  }
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.fastpay.refund.query

type RefundStatus = 'REFUND_SUCCESS' | 'absent' | 'other';

function refundStatus(text: string | undefined): RefundStatus {
  if (!text) return 'absent';
  return text === 'REFUND_SUCCESS' ? 'REFUND_SUCCESS' : 'other';
}

export function refundOutcomeFromRefundQuery(answer: AlipayAnswer<AlipayTradeFastpayRefundQueryResponse>): RefundOutcome {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
    case 'not_sent':
      return { kind: 'unknown', reason: answer.reason };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  const result = alipayResult(r);
  switch (result.result) {
    case 'success': {
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
          return assertNever(status);
      }
    }
    case 'business_failure':
      if (result.subCode === 'ACQ.TRADE_NOT_EXIST' || result.subCode === 'ACQ.REFUND_NOT_EXIST') return { kind: 'not_found' };
      return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
    case 'waiting':
      return { kind: 'pending' };
    case 'unknown':
    case 'request_rejected':
    case 'unrecognised':
      return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
    default:
      return assertNever(result);
  }
}

// ---------------------------------------------------------------------------------------------------
// alipay.trade.precreate

export function qrOutcomeFromPrecreate(answer: AlipayAnswer<AlipayTradePrecreateResponse>): QrOutcome {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
      return { kind: 'unknown', reason: answer.reason };
    case 'not_sent':
      return { kind: 'failed', walletCode: 'not_sent', message: answer.reason };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  const result = alipayResult(r);
  switch (result.result) {
    case 'success':
      if (!r.qr_code) return { kind: 'unknown', reason: 'Alipay answered 10000 without a qr_code' };
      return { kind: 'created', qrCode: r.qr_code };
    case 'request_rejected':
    case 'business_failure':
      return { kind: 'failed', walletCode: failureWalletCode(r), message: message(r) };
    case 'waiting':
    case 'unknown':
    case 'unrecognised':
      return { kind: 'unknown', reason: `Alipay ${describe(r)}` };
    default:
      return assertNever(result);
  }
}
