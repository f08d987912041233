import type { CancelOutcome, QrOutcome, QrRequest } from '@counterpay/core';
import { CANCEL_RULES, QR_RULES, settle } from '../answer-preamble.ts';
import { formatShanghaiTime } from '../shanghai-time.ts';
import { describe, wechatPreamble, type WechatAnswer, type WechatCommonResponse } from './wechatpay-answer.ts';
import { orderFields, type WechatOrderFields } from './wechatpay-payment-transformers.ts';

/**
 * /pay/unifiedorder (QR orders, trade_type NATIVE), /secapi/pay/reverse (barcode payments) and
 * /pay/closeorder (QR orders): WeChat Pay's shapes and the one mapping function per flow.
 */

export interface WechatUnifiedOrderRequest extends WechatOrderFields {
  /** `yyyyMMddHHmmss`, Asia/Shanghai. */
  time_expire: string;
  notify_url?: string;
  trade_type: 'NATIVE';
  /** Required by WeChat for NATIVE orders; ours is the order number. */
  product_id: string;
}

export interface WechatUnifiedOrderResponse extends WechatCommonResponse {
  readonly prepay_id?: string;
  readonly code_url?: string;
}

export interface WechatReverseResponse extends WechatCommonResponse {
  readonly recall?: string;
}

export type WechatCloseOrderResponse = WechatCommonResponse;

export function unifiedOrderRequest(req: QrRequest, notifyUrl: string | undefined): WechatUnifiedOrderRequest {
  return {
    ...orderFields(req),
    time_expire: formatShanghaiTime(req.expiresAt, 'yyyyMMddHHmmss'),
    ...(notifyUrl ? { notify_url: notifyUrl } : {}),
    trade_type: 'NATIVE',
    product_id: req.outTradeNo,
  };
}

// ---------------------------------------------------------------------------------------------------
// /pay/unifiedorder (trade_type NATIVE)

export function qrOutcomeFromUnifiedOrder(answer: WechatAnswer<WechatUnifiedOrderResponse>): QrOutcome {
  return settle(wechatPreamble(answer), QR_RULES, (r): QrOutcome => {
    if (r.result_code === 'SUCCESS') {
      if (!r.code_url) return { kind: 'unknown', reason: 'WeChat Pay answered SUCCESS without a code_url' };
      return { kind: 'created', qrCode: r.code_url };
    }
    if (r.result_code !== 'FAIL' || !r.err_code || r.err_code === 'SYSTEMERROR') return { kind: 'unknown', reason: `WeChat Pay ${describe(r)}` };
    return { kind: 'failed', walletCode: r.err_code, message: r.err_code_des ?? '' };
  });
}

// ---------------------------------------------------------------------------------------------------
// /secapi/pay/reverse (barcode payments)

export function cancelOutcomeFromReverse(answer: WechatAnswer<WechatReverseResponse>): CancelOutcome {
  return settle(wechatPreamble(answer), CANCEL_RULES, (r): CancelOutcome => {
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
  });
}

// ---------------------------------------------------------------------------------------------------
// /pay/closeorder (QR orders)

export function cancelOutcomeFromCloseOrder(answer: WechatAnswer<WechatCloseOrderResponse>): CancelOutcome {
  return settle(wechatPreamble(answer), CANCEL_RULES, (r): CancelOutcome => {
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
  });
}
