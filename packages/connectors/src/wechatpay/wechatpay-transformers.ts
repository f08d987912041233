import type {
  CancelOutcome,
  FailureCode,
  PaymentOutcome,
  PayRequest,
  QrOutcome,
  QrRequest,
  RefundOutcome,
  RefundRequest,
} from '@counterpay/core';
import { formatShanghaiTime, parseShanghaiTime } from '../shanghai-time.ts';

/**
 * WeChat Pay v2's own request and response shapes (PROTOCOLS.md §5) and the one mapping function per
 * flow where a WeChat answer becomes a counterpay outcome. No I/O; nothing here leaves the connector.
 */

// ---------------------------------------------------------------------------------------------------
// Requests: the business fields of each endpoint (the connector adds appid, mch_id, nonce_str,
// sign_type and sign).

export const WECHAT_ENDPOINTS = [
  '/pay/micropay',
  '/pay/unifiedorder',
  '/pay/orderquery',
  '/secapi/pay/reverse',
  '/pay/closeorder',
  '/secapi/pay/refund',
  '/pay/refundquery',
] as const;
export type WechatEndpoint = (typeof WECHAT_ENDPOINTS)[number];

/** The IP WeChat asks for in offline payments (the terminal's); counterpay calls from the server. */
const SPBILL_CREATE_IP = '127.0.0.1';

export interface WechatMicropayRequest {
  body: string;
  out_trade_no: string;
  total_fee: string;
  fee_type: string;
  spbill_create_ip: string;
  auth_code: string;
  device_info?: string;
}

export interface WechatUnifiedOrderRequest {
  body: string;
  out_trade_no: string;
  total_fee: string;
  fee_type: string;
  spbill_create_ip: string;
  /** `yyyyMMddHHmmss`, Asia/Shanghai. */
  time_expire: string;
  notify_url?: string;
  trade_type: 'NATIVE';
  /** Required by WeChat for NATIVE orders; ours is the order number. */
  product_id: string;
}

/** orderquery, reverse and closeorder name the order by our order number only. */
export interface WechatOrderReferenceRequest {
  out_trade_no: string;
}

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

export function micropayRequest(req: PayRequest): WechatMicropayRequest {
  return {
    body: req.subject,
    out_trade_no: req.outTradeNo,
    total_fee: String(req.amount),
    fee_type: req.currency,
    spbill_create_ip: SPBILL_CREATE_IP,
    auth_code: req.authCode,
    ...(req.terminalId ? { device_info: req.terminalId } : {}),
  };
}

export function unifiedOrderRequest(req: QrRequest, notifyUrl: string | undefined): WechatUnifiedOrderRequest {
  return {
    body: req.subject,
    out_trade_no: req.outTradeNo,
    total_fee: String(req.amount),
    fee_type: req.currency,
    spbill_create_ip: SPBILL_CREATE_IP,
    time_expire: formatShanghaiTime(req.expiresAt, 'yyyyMMddHHmmss'),
    ...(notifyUrl ? { notify_url: notifyUrl } : {}),
    trade_type: 'NATIVE',
    product_id: req.outTradeNo,
  };
}

export function orderReferenceRequest(outTradeNo: string): WechatOrderReferenceRequest {
  return { out_trade_no: outTradeNo };
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
// Responses.

/** Fields of every answer. */
export interface WechatCommonResponse {
  readonly return_code?: string;
  readonly return_msg?: string;
  readonly appid?: string;
  readonly mch_id?: string;
  readonly result_code?: string;
  readonly err_code?: string;
  readonly err_code_des?: string;
}

export interface WechatMicropayResponse extends WechatCommonResponse {
  readonly transaction_id?: string;
  readonly openid?: string;
  readonly time_end?: string;
}

export interface WechatUnifiedOrderResponse extends WechatCommonResponse {
  readonly prepay_id?: string;
  readonly code_url?: string;
}

export interface WechatOrderQueryResponse extends WechatCommonResponse {
  readonly trade_state?: string;
  readonly trade_state_desc?: string;
  readonly transaction_id?: string;
  readonly openid?: string;
  readonly time_end?: string;
}

export interface WechatReverseResponse extends WechatCommonResponse {
  readonly recall?: string;
}

export type WechatCloseOrderResponse = WechatCommonResponse;

export interface WechatRefundResponse extends WechatCommonResponse {
  readonly refund_id?: string;
  readonly out_refund_no?: string;
}

/** Refunds are listed with an index suffix: `out_refund_no_0`, `refund_status_0`, `refund_id_0`, … */
export interface WechatRefundQueryResponse extends WechatCommonResponse {
  readonly refund_count?: string;
  readonly [indexedField: `${'out_refund_no' | 'refund_id' | 'refund_status' | 'refund_success_time'}_${number}`]: string | undefined;
}

/**
 * What the connector got back:
 * - `answer`: return_code SUCCESS with a signature that verified with the API key.
 * - `refused`: return_code FAIL. WeChat does not sign these: the request was turned away at the
 *   communication layer (bad signature, malformed parameters, system busy) before any business
 *   processing. It is the only form in which WeChat reports such problems.
 * - `no_answer`: timeout, network error, non-2xx, unreadable XML, bad or missing signature.
 */
export type WechatAnswer<T> =
  | { kind: 'answer'; response: T }
  | { kind: 'refused'; returnMsg: string }
  | { kind: 'no_answer'; reason: string };

/** The code worth logging: err_code, else the order's trade_state, else result_code. */
export function wechatWalletCode(answer: WechatAnswer<WechatCommonResponse & { readonly trade_state?: string }>): string | null {
  switch (answer.kind) {
    case 'answer':
      return answer.response.err_code || answer.response.trade_state || answer.response.result_code || null;
    case 'refused':
      return 'FAIL';
    case 'no_answer':
      return null;
    default:
      return assertNever(answer);
  }
}

export function wechatAnswerError(answer: WechatAnswer<unknown>): string | null {
  switch (answer.kind) {
    case 'answer':
      return null;
    case 'refused':
      return `return_code FAIL: ${answer.returnMsg}`;
    case 'no_answer':
      return answer.reason;
    default:
      return assertNever(answer);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled WeChat Pay case: ${JSON.stringify(value)}`);
}

/**
 * return_code FAIL: a system problem (busy, timeout) leaves the outcome unknown; anything else (bad
 * signature, bad parameter, unknown merchant) means this request was rejected before it did anything.
 */
type Refusal = 'system' | 'request_rejected';

function refusal(returnMsg: string): Refusal {
  return /SYSTEMERROR|system|busy|timeout|系统|繁忙|超时/i.test(returnMsg) ? 'system' : 'request_rejected';
}

function describe(r: WechatCommonResponse): string {
  const code = r.err_code || r.result_code || 'no result_code';
  return r.err_code_des ? `${code}: ${r.err_code_des}` : code;
}

function succeeded(r: { transaction_id?: string; time_end?: string; openid?: string }, transactionId: string): PaymentOutcome {
  return { kind: 'succeeded', walletTransactionId: transactionId, paidAt: parseShanghaiTime(r.time_end), ...(r.openid ? { buyerId: r.openid } : {}) };
}

/** Codes every request may fail with that say the merchant's set-up or request is wrong, not the buyer. */
const REQUEST_ERRORS = [
  'NOAUTH',
  'PARAM_ERROR',
  'XML_FORMAT_ERROR',
  'REQUIRE_POST_METHOD',
  'SIGNERROR',
  'LACK_PARAMS',
  'NOT_UTF8',
  'APPID_NOT_EXIST',
  'MCHID_NOT_EXIST',
  'APPID_MCHID_NOT_MATCH',
  'INVALID_REQUEST',
] as const;

function isRequestError(errCode: string): boolean {
  return (REQUEST_ERRORS as readonly string[]).includes(errCode);
}

// ---------------------------------------------------------------------------------------------------
// /pay/micropay

export type WechatPayDecision = PaymentOutcome | { kind: 'ask_query'; walletCode: string };

type MicropayResult =
  | 'paid'
  | 'buyer_paying'
  | 'unknown'
  | 'insufficient_balance'
  | 'code_expired'
  | 'code_invalid'
  | 'order_exists'
  | 'order_closed'
  | 'merchant_setup'
  | 'buyer_refused';

const MICROPAY_ERRORS: Readonly<Record<string, MicropayResult>> = {
  USERPAYING: 'buyer_paying',
  SYSTEMERROR: 'unknown',
  BANKERROR: 'unknown',
  NOTENOUGH: 'insufficient_balance',
  AUTHCODEEXPIRE: 'code_expired',
  AUTH_CODE_INVALID: 'code_invalid',
  AUTH_CODE_ERROR: 'code_invalid',
  // The order number is taken: it is ours, so the existing order's state is this payment's truth.
  ORDERPAID: 'order_exists',
  OUT_TRADE_NO_USED: 'order_exists',
  ORDERCLOSED: 'order_closed',
  ORDERREVERSED: 'order_closed',
  TRADE_ERROR: 'buyer_refused',
  BUYER_MISMATCH: 'buyer_refused',
  PAYERROR: 'buyer_refused',
};

function micropayResult(r: WechatMicropayResponse): MicropayResult {
  if (r.result_code === 'SUCCESS') return 'paid';
  if (r.result_code !== 'FAIL' || !r.err_code) return 'unknown';
  if (Object.hasOwn(MICROPAY_ERRORS, r.err_code)) return MICROPAY_ERRORS[r.err_code]!;
  // A business FAIL we do not list is still the wallet refusing this payment.
  return isRequestError(r.err_code) ? 'merchant_setup' : 'buyer_refused';
}

export function paymentOutcomeFromMicropay(answer: WechatAnswer<WechatMicropayResponse>): WechatPayDecision {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
      return { kind: 'unknown', reason: answer.reason };
    case 'refused': {
      const kind = refusal(answer.returnMsg);
      switch (kind) {
        case 'system':
          return { kind: 'unknown', reason: `WeChat Pay return_code FAIL: ${answer.returnMsg}` };
        case 'request_rejected':
          // Rejected before any order was made (e.g. a signature error): no buyer was charged and no
          // order will appear, so querying until the deadline would only delay the same answer. (A
          // FAIL on orderquery says nothing about an order made earlier: there it is `unknown`.)
          return { kind: 'failed', code: 'failed_processing', walletCode: 'FAIL', message: answer.returnMsg };
        default:
          return assertNever(kind);
      }
    }
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  const result = micropayResult(r);
  const failed = (code: FailureCode): PaymentOutcome => ({ kind: 'failed', code, walletCode: r.err_code ?? 'FAIL', message: r.err_code_des ?? '' });
  switch (result) {
    case 'paid':
      if (!r.transaction_id) return { kind: 'unknown', reason: 'WeChat Pay answered SUCCESS without a transaction_id' };
      return succeeded(r, r.transaction_id);
    case 'buyer_paying':
      return { kind: 'pending', walletCode: 'USERPAYING' };
    case 'unknown':
      return { kind: 'unknown', reason: `WeChat Pay ${describe(r)}` };
    case 'insufficient_balance':
      return failed('insufficient_balance');
    case 'code_expired':
      return failed('barcode_expired');
    case 'code_invalid':
      return failed('invalid_barcode');
    case 'order_exists':
      return { kind: 'ask_query', walletCode: r.err_code ?? 'ORDERPAID' };
    case 'order_closed':
      return { kind: 'closed', walletCode: r.err_code ?? 'ORDERCLOSED' };
    case 'merchant_setup':
      return failed('failed_processing');
    case 'buyer_refused':
      return failed('payment_rejected');
    default:
      return assertNever(result);
  }
}

/** After `ask_query`: the query's answer is the payment's; an order that "exists" but cannot be found is unknown. */
export function paymentOutcomeAfterQuery(query: PaymentOutcome, askedBecause: string): PaymentOutcome {
  if (query.kind === 'not_found') return { kind: 'unknown', reason: `WeChat Pay said ${askedBecause} but the query found no order` };
  return query;
}

// ---------------------------------------------------------------------------------------------------
// /pay/orderquery

const TRADE_STATES = ['SUCCESS', 'REFUND', 'NOTPAY', 'USERPAYING', 'ACCEPT', 'CLOSED', 'REVOKED', 'PAYERROR'] as const;
type TradeState = (typeof TRADE_STATES)[number] | 'unrecognised';

function tradeState(text: string | undefined): TradeState {
  return (TRADE_STATES as readonly string[]).includes(text ?? '') ? (text as TradeState) : 'unrecognised';
}

export function paymentOutcomeFromOrderQuery(answer: WechatAnswer<WechatOrderQueryResponse>): PaymentOutcome {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
      return { kind: 'unknown', reason: answer.reason };
    case 'refused':
      // Whatever stopped the query says nothing about the order.
      return { kind: 'unknown', reason: `WeChat Pay return_code FAIL: ${answer.returnMsg}` };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  if (r.result_code !== 'SUCCESS') {
    if (r.err_code === 'ORDERNOTEXIST') return { kind: 'not_found' };
    return { kind: 'unknown', reason: `WeChat Pay ${describe(r)}` };
  }
  const state = tradeState(r.trade_state);
  switch (state) {
    case 'SUCCESS':
    case 'REFUND': // paid, then (partly) refunded: the payment itself succeeded
      if (!r.transaction_id) return { kind: 'unknown', reason: `WeChat Pay reported ${state} without a transaction_id` };
      return succeeded(r, r.transaction_id);
    case 'NOTPAY':
    case 'USERPAYING':
    case 'ACCEPT':
      return { kind: 'pending', walletCode: state };
    case 'CLOSED':
    case 'REVOKED':
      return { kind: 'closed', walletCode: state };
    case 'PAYERROR':
      return { kind: 'failed', code: 'payment_rejected', walletCode: state, message: r.trade_state_desc ?? '' };
    case 'unrecognised':
      return { kind: 'unknown', reason: `WeChat Pay answered an unknown trade_state "${r.trade_state ?? ''}"` };
    default:
      return assertNever(state);
  }
}

// ---------------------------------------------------------------------------------------------------
// /secapi/pay/reverse (barcode payments)

export function cancelOutcomeFromReverse(answer: WechatAnswer<WechatReverseResponse>): CancelOutcome {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
      return { kind: 'retry', reason: answer.reason };
    case 'refused':
      return { kind: 'retry', reason: `WeChat Pay return_code FAIL: ${answer.returnMsg}` };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  // recall=Y: WeChat could not finish the reversal and asks for the same call again, whatever else it said.
  if (r.recall === 'Y') return { kind: 'retry', reason: 'WeChat Pay asked to reverse again (recall=Y)' };
  if (r.result_code === 'SUCCESS') return { kind: 'cancelled' };
  switch (r.err_code) {
    case 'ORDERNOTEXIST': // the micropay never reached WeChat; nothing can be paid any more
    case 'ORDERREVERSED':
    case 'ORDERCLOSED':
      return { kind: 'cancelled' };
    default:
      return { kind: 'retry', reason: `WeChat Pay ${describe(r)}` };
  }
}

// ---------------------------------------------------------------------------------------------------
// /pay/closeorder (QR orders)

export function cancelOutcomeFromCloseOrder(answer: WechatAnswer<WechatCloseOrderResponse>): CancelOutcome {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
      return { kind: 'retry', reason: answer.reason };
    case 'refused':
      return { kind: 'retry', reason: `WeChat Pay return_code FAIL: ${answer.returnMsg}` };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  if (r.result_code === 'SUCCESS') return { kind: 'cancelled' };
  switch (r.err_code) {
    case 'ORDERPAID':
      return { kind: 'paid' };
    case 'ORDERCLOSED':
    case 'ORDERNOTEXIST':
      return { kind: 'cancelled' };
    default:
      return { kind: 'retry', reason: `WeChat Pay ${describe(r)}` };
  }
}

// ---------------------------------------------------------------------------------------------------
// /secapi/pay/refund

/** WeChat's refund SUCCESS only means "accepted": the refund query tells whether money moved. */
export type WechatRefundDecision = RefundOutcome | { kind: 'ask_refund_query' };

const RETRYABLE_REFUND_ERRORS = ['SYSTEMERROR', 'BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED'];

export function refundOutcomeFromRefund(answer: WechatAnswer<WechatRefundResponse>): WechatRefundDecision {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
      return { kind: 'unknown', reason: answer.reason };
    case 'refused':
      if (refusal(answer.returnMsg) === 'system') return { kind: 'unknown', reason: `WeChat Pay return_code FAIL: ${answer.returnMsg}` };
      return { kind: 'failed', walletCode: 'FAIL', message: answer.returnMsg };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  if (r.result_code === 'SUCCESS') return { kind: 'ask_refund_query' };
  if (r.result_code !== 'FAIL' || !r.err_code || RETRYABLE_REFUND_ERRORS.includes(r.err_code)) {
    return { kind: 'unknown', reason: `WeChat Pay ${describe(r)}` };
  }
  // NOTENOUGH (merchant balance), ORDERNOTEXIST, TRADE_OVERDUE, ERROR (amount), …: refused, nothing refunded.
  return { kind: 'failed', walletCode: r.err_code, message: r.err_code_des ?? '' };
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
      return { kind: 'pending' };
    default:
      return assertNever(query);
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
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
      return { kind: 'unknown', reason: answer.reason };
    case 'refused':
      return { kind: 'unknown', reason: `WeChat Pay return_code FAIL: ${answer.returnMsg}` };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
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
      return assertNever(status);
  }
}

// ---------------------------------------------------------------------------------------------------
// /pay/unifiedorder (trade_type NATIVE)

export function qrOutcomeFromUnifiedOrder(answer: WechatAnswer<WechatUnifiedOrderResponse>): QrOutcome {
  switch (answer.kind) {
    case 'answer':
      break;
    case 'no_answer':
      return { kind: 'unknown', reason: answer.reason };
    case 'refused':
      if (refusal(answer.returnMsg) === 'system') return { kind: 'unknown', reason: `WeChat Pay return_code FAIL: ${answer.returnMsg}` };
      return { kind: 'failed', walletCode: 'FAIL', message: answer.returnMsg };
    default:
      return assertNever(answer);
  }
  const r = answer.response;
  if (r.result_code === 'SUCCESS') {
    if (!r.code_url) return { kind: 'unknown', reason: 'WeChat Pay answered SUCCESS without a code_url' };
    return { kind: 'created', qrCode: r.code_url };
  }
  if (r.result_code !== 'FAIL' || !r.err_code || r.err_code === 'SYSTEMERROR') return { kind: 'unknown', reason: `WeChat Pay ${describe(r)}` };
  return { kind: 'failed', walletCode: r.err_code, message: r.err_code_des ?? '' };
}
