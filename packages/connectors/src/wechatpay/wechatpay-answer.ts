import { unhandled, type AnswerPreamble } from '../answer-preamble.ts';
import type { NotSentCause } from '../wallet-http-failures.ts';

/**
 * What every WeChat Pay v2 answer has in common (PROTOCOLS.md §5): the endpoints, the common fields,
 * and how `return_code` reads before a flow looks at its own fields. The flows' own shapes and mapping
 * functions are in the wechatpay-*-transformers files. No I/O; nothing here leaves the connector.
 */

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

/**
 * What the connector got back:
 * - `answer`: return_code SUCCESS with a signature that verified with the API key.
 * - `refused`: return_code FAIL. WeChat does not sign these: the request was turned away at the
 *   communication layer (bad signature, malformed parameters, system busy) before any business
 *   processing. It is the only form in which WeChat reports such problems.
 * - `no_answer`: timeout, dropped connection, non-2xx, a body that is not WeChat Pay XML.
 * - `unverifiable`: a SUCCESS answer without a signature, with one that does not verify with the API
 *   key, or about another merchant: not trusted.
 * - `not_sent`: the request never left (connection refused, DNS, TLS, no client certificate for /secapi/).
 */
export type WechatAnswer<T> =
  | { kind: 'answer'; response: T }
  | { kind: 'refused'; returnMsg: string }
  | { kind: 'no_answer'; reason: string }
  | { kind: 'unverifiable'; reason: string }
  | { kind: 'not_sent'; cause: NotSentCause; reason: string };

/**
 * return_code FAIL: a system problem (busy, timeout) leaves the outcome unknown (`unsure`); anything
 * else (bad signature, bad parameter, unknown merchant) means this request was rejected before it did
 * anything (`refused`).
 */
export function wechatPreamble<T>(answer: WechatAnswer<T>): AnswerPreamble<T> {
  switch (answer.kind) {
    case 'answer':
      return { kind: 'readable', response: answer.response };
    case 'no_answer':
    case 'unverifiable':
      return { kind: 'unsure', reason: answer.reason };
    case 'not_sent':
      return { kind: 'not_sent', reason: answer.reason };
    case 'refused': {
      const reason = `WeChat Pay return_code FAIL: ${answer.returnMsg}`;
      if (/SYSTEMERROR|system|busy|timeout|系统|繁忙|超时/i.test(answer.returnMsg)) return { kind: 'unsure', reason };
      return { kind: 'refused', walletCode: 'FAIL', message: answer.returnMsg, reason };
    }
    default:
      return unhandled(answer);
  }
}

/** The code worth logging: err_code, else the order's trade_state, else result_code. */
export function wechatWalletCode(answer: WechatAnswer<WechatCommonResponse & { readonly trade_state?: string }>): string | null {
  switch (answer.kind) {
    case 'answer':
      return answer.response.err_code || answer.response.trade_state || answer.response.result_code || null;
    case 'refused':
      return 'FAIL';
    case 'no_answer':
    case 'unverifiable':
    case 'not_sent':
      return null;
    default:
      return unhandled(answer);
  }
}

export function wechatAnswerError(answer: WechatAnswer<unknown>): string | null {
  switch (answer.kind) {
    case 'answer':
      return null;
    case 'refused':
      return `return_code FAIL: ${answer.returnMsg}`;
    case 'no_answer':
    case 'unverifiable':
    case 'not_sent':
      return answer.reason;
    default:
      return unhandled(answer);
  }
}

/** `ERR_CODE: description`, for reasons. */
export function describe(r: WechatCommonResponse): string {
  const code = r.err_code || r.result_code || 'no result_code';
  return r.err_code_des ? `${code}: ${r.err_code_des}` : code;
}
