import type { PaymentOutcome, PayRequest, QrRequest } from '@counterpay/core';
import { PAY_RULES, PAYMENT_QUERY_RULES, settle, unhandled } from '../answer-preamble.ts';
import { payDecisionFromRefusal, type PayDecision, type PayRefusal } from '../pay-refusal.ts';
import { parseShanghaiTime } from '../shanghai-time.ts';
import { describe, wechatPreamble, type WechatAnswer, type WechatCommonResponse } from './wechatpay-answer.ts';

/**
 * /pay/micropay (barcode) and /pay/orderquery: WeChat Pay's shapes and the one mapping function per
 * flow where a WeChat answer becomes a counterpay payment outcome. (The connector adds appid, mch_id,
 * nonce_str, sign_type and sign to every request.)
 */

/** What micropay and unifiedorder both say about the order. */
export interface WechatOrderFields {
  body: string;
  out_trade_no: string;
  total_fee: string;
  fee_type: string;
  spbill_create_ip: string;
}

export interface WechatMicropayRequest extends WechatOrderFields {
  auth_code: string;
  device_info?: string;
}

/** orderquery, reverse and closeorder name the order by our order number only. */
export interface WechatOrderReferenceRequest {
  out_trade_no: string;
}

export interface WechatMicropayResponse extends WechatCommonResponse {
  readonly transaction_id?: string;
  readonly openid?: string;
  readonly time_end?: string;
}

export interface WechatOrderQueryResponse extends WechatCommonResponse {
  readonly trade_state?: string;
  readonly trade_state_desc?: string;
  readonly transaction_id?: string;
  readonly openid?: string;
  readonly time_end?: string;
}

export function orderFields(req: PayRequest | QrRequest): WechatOrderFields {
  return {
    body: req.subject,
    out_trade_no: req.outTradeNo,
    total_fee: String(req.amount),
    fee_type: req.currency,
    // The IP WeChat asks for in offline payments (the terminal's); counterpay calls from the server.
    spbill_create_ip: '127.0.0.1',
  };
}

export function micropayRequest(req: PayRequest): WechatMicropayRequest {
  return {
    ...orderFields(req),
    auth_code: req.authCode,
    ...(req.terminalId ? { device_info: req.terminalId } : {}),
  };
}

export function orderReferenceRequest(outTradeNo: string): WechatOrderReferenceRequest {
  return { out_trade_no: outTradeNo };
}

/**
 * The payer as WeChat Pay names them: `openid`, the buyer's id under the merchant's appid. WeChat Pay
 * shows no login, masked or not, so there is no `buyerAccount`.
 */
function succeeded(r: { transaction_id?: string; time_end?: string; openid?: string }, transactionId: string): PaymentOutcome {
  const buyerId = r.openid?.trim();
  return { kind: 'succeeded', walletTransactionId: transactionId, paidAt: parseShanghaiTime(r.time_end), ...(buyerId ? { buyerId } : {}) };
}

// ---------------------------------------------------------------------------------------------------
// /pay/micropay

/** What a micropay answer says: paid, the buyer is confirming, not known, or why it was refused. */
type MicropayResult = 'paid' | 'buyer_paying' | 'unknown' | PayRefusal;

const MICROPAY_ERRORS: Readonly<Record<string, MicropayResult>> = {
  USERPAYING: 'buyer_paying',
  SYSTEMERROR: 'unknown',
  BANKERROR: 'unknown',
  NOTENOUGH: 'insufficient_balance',
  AUTHCODEEXPIRE: 'code_expired',
  AUTH_CODE_INVALID: 'code_invalid',
  AUTH_CODE_ERROR: 'code_invalid',
  ORDERPAID: 'order_exists',
  OUT_TRADE_NO_USED: 'order_exists',
  ORDERCLOSED: 'order_closed',
  ORDERREVERSED: 'order_closed',
  TRADE_ERROR: 'buyer_refused',
  BUYER_MISMATCH: 'buyer_refused',
  PAYERROR: 'buyer_refused',
};

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

function micropayResult(r: WechatMicropayResponse): MicropayResult {
  if (r.result_code === 'SUCCESS') return 'paid';
  if (r.result_code !== 'FAIL' || !r.err_code) return 'unknown';
  if (Object.hasOwn(MICROPAY_ERRORS, r.err_code)) return MICROPAY_ERRORS[r.err_code]!;
  // A business FAIL we do not list is still the wallet refusing this payment.
  return (REQUEST_ERRORS as readonly string[]).includes(r.err_code) ? 'merchant_setup' : 'buyer_refused';
}

export function paymentOutcomeFromMicropay(answer: WechatAnswer<WechatMicropayResponse>): PayDecision {
  return settle<WechatMicropayResponse, PayDecision>(wechatPreamble(answer), PAY_RULES, (r) => {
    const result = micropayResult(r);
    switch (result) {
      case 'paid':
        if (!r.transaction_id) return { kind: 'unknown', reason: 'WeChat Pay answered SUCCESS without a transaction_id' };
        return succeeded(r, r.transaction_id);
      case 'buyer_paying':
        return { kind: 'pending', walletCode: 'USERPAYING' };
      case 'unknown':
        return { kind: 'unknown', reason: `WeChat Pay ${describe(r)}` };
      default:
        return payDecisionFromRefusal(result, r.err_code ?? 'FAIL', r.err_code_des ?? '');
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// /pay/orderquery

const TRADE_STATES = ['SUCCESS', 'REFUND', 'NOTPAY', 'USERPAYING', 'ACCEPT', 'CLOSED', 'REVOKED', 'PAYERROR'] as const;
type TradeState = (typeof TRADE_STATES)[number] | 'unrecognised';

function tradeState(text: string | undefined): TradeState {
  return (TRADE_STATES as readonly string[]).includes(text ?? '') ? (text as TradeState) : 'unrecognised';
}

export function paymentOutcomeFromOrderQuery(answer: WechatAnswer<WechatOrderQueryResponse>): PaymentOutcome {
  return settle(wechatPreamble(answer), PAYMENT_QUERY_RULES, (r): PaymentOutcome => {
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
        return unhandled(state);
    }
  });
}
