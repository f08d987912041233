import { unhandled, type AnswerPreamble } from '../answer-preamble.ts';
import type { NotSentCause } from '../wallet-http-failures.ts';

/**
 * What every Alipay answer has in common (PROTOCOLS.md §4): the methods, the common response fields,
 * and how a result code reads before a flow looks at its own fields. The flows' own shapes and mapping
 * functions are in the alipay-*-transformers files. Nothing here does I/O or leaves the connector.
 */

export const ALIPAY_METHODS = [
  'alipay.trade.pay',
  'alipay.trade.precreate',
  'alipay.trade.query',
  'alipay.trade.cancel',
  'alipay.trade.close',
  'alipay.trade.refund',
  'alipay.trade.fastpay.refund.query',
  'alipay.data.dataservice.bill.downloadurl.query',
] as const;
export type AlipayMethod = (typeof ALIPAY_METHODS)[number];

export const COMMON_FIELDS = ['code', 'msg', 'sub_code', 'sub_msg'] as const;

/** An Alipay answer: every field optional text, because the wire promises nothing. */
export type AlipayFields<K extends readonly string[]> = { readonly [P in K[number]]?: string };

type CommonResponse = AlipayFields<typeof COMMON_FIELDS>;

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
 * What the connector got back:
 * - `answer`: a `<method>_response` whose signature verified.
 * - `no_answer`: sent, but nothing came back that reads as Alipay's (timeout, dropped connection,
 *   non-2xx, a body that is not an Alipay answer).
 * - `unverifiable`: an Alipay answer without a signature, or one that does not verify with the
 *   Alipay public key (certificate): not trusted.
 * - `unusable_credentials`: a key or certificate of the account cannot be read, so nothing was sent.
 * - `not_sent`: the request never left (connection refused, DNS, TLS).
 */
export type AlipayAnswer<T> =
  | { kind: 'answer'; response: T }
  | { kind: 'no_answer'; reason: string }
  /** `claimed`: the codes the untrusted answer shows, for diagnosis only (verifyAccount), never acted on. */
  | { kind: 'unverifiable'; reason: string; claimed?: { code?: string; subCode?: string } }
  | { kind: 'unusable_credentials'; reason: string }
  | { kind: 'not_sent'; cause: NotSentCause; reason: string };

/** A verified answer whose code says the business spoke: what a flow reads. */
export interface AlipayReading<T> {
  r: T;
  result: { is: 'success' } | { is: 'waiting' } | { is: 'business_failure'; subCode: string };
}

/**
 * Alipay's gateway codes, grouped by what they tell us:
 * - 10000 success; 10003 waiting (the buyer is confirming); 40004 business failure, `sub_code` says why.
 * - 20000 (service unavailable), ACQ.SYSTEM_ERROR (any flow) and any code we do not know: the business
 *   outcome is not known (`unsure`).
 * - 20001 / 40001 / 40002 / 40006: the gateway refused the *request* (permissions, missing or invalid
 *   parameter, bad request signature) before any business processing, so this request created,
 *   changed or refunded nothing (`refused`).
 */
export function alipayPreamble<T extends CommonResponse>(answer: AlipayAnswer<T>): AnswerPreamble<AlipayReading<T>> {
  switch (answer.kind) {
    case 'no_answer':
    case 'unverifiable':
      return { kind: 'unsure', reason: answer.reason };
    case 'not_sent':
      return { kind: 'not_sent', reason: answer.reason };
    case 'unusable_credentials':
      return { kind: 'refused', walletCode: 'not_sent', message: answer.reason, reason: answer.reason };
    case 'answer':
      break;
    default:
      return unhandled(answer);
  }
  const r = answer.response;
  const unsure = { kind: 'unsure', reason: `Alipay ${describe(r)}` } as const;
  if (r.sub_code === 'ACQ.SYSTEM_ERROR') return unsure;
  switch (r.code) {
    case '10000':
      return { kind: 'readable', response: { r, result: { is: 'success' } } };
    case '10003':
      return { kind: 'readable', response: { r, result: { is: 'waiting' } } };
    case '40004':
      return { kind: 'readable', response: { r, result: { is: 'business_failure', subCode: r.sub_code ?? '' } } };
    case '20001':
    case '40001':
    case '40002':
    case '40006':
      return { kind: 'refused', walletCode: failureWalletCode(r), message: message(r), reason: unsure.reason };
    default:
      return unsure;
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

/** `40004 ACQ.X: message`, for reasons. */
export function describe(response: CommonResponse): string {
  const code = [response.code, response.sub_code].filter(Boolean).join(' ');
  const text = message(response);
  return text ? `${code}: ${text}` : code || 'no code';
}

export function message(response: CommonResponse): string {
  return response.sub_msg || response.msg || '';
}

export function failureWalletCode(response: CommonResponse): string {
  return response.sub_code || response.code || 'unknown';
}
