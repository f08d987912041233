import type { AlipayCredentials } from '@counterpay/core';
import { formatShanghaiTime } from '../shanghai-time.ts';
import { resolveWalletEndpoint } from '../wallet-endpoints.ts';
import { postToWallet, readWalletResult } from '../wallet-http.ts';
import { readAlipayResponse, type AlipayAnswer, type AlipayFields, type AlipayMethod } from './alipay-answer.ts';
import { alipayKeys, UnreadableAlipayCredentialError, type AlipayKeys } from './alipay-keys.ts';
import { alipaySigningString, extractSignedResponse, signAlipayContent, topLevelString, verifyAlipayContent } from './alipay-sign.ts';

/**
 * One classic gateway call (what the official alipay-sdk's `exec` does): the common parameters and
 * `biz_content`, RSA2-signed, form-encoded, POSTed to the account's gateway URL; the answer's
 * `<method>_response` is verified with Alipay's key before anything in it is believed.
 */
export interface AlipayCall<K extends readonly string[]> {
  credentials: AlipayCredentials;
  /** The gateway URL when the account names none. */
  defaultUrl: string;
  timeoutMs: number;
  method: AlipayMethod;
  bizContent: object;
  fields: K;
  notifyUrl?: string;
}

export async function exchangeWithAlipay<K extends readonly string[]>(call: AlipayCall<K>): Promise<{ answer: AlipayAnswer<AlipayFields<K>>; httpStatus: number | null }> {
  const { credentials } = call;
  let keys: AlipayKeys;
  try {
    keys = alipayKeys(credentials);
  } catch (error) {
    if (!(error instanceof UnreadableAlipayCredentialError)) throw error;
    return { answer: { kind: 'unusable_credentials', reason: `could not sign the request: ${error.message}` }, httpStatus: null };
  }
  let url: string;
  try {
    url = credentials.endpoint ? resolveWalletEndpoint('alipay', credentials.endpoint) : call.defaultUrl;
  } catch {
    return { answer: { kind: 'not_sent', cause: 'unreachable', reason: 'the account endpoint is not a valid URL' }, httpStatus: null };
  }
  const params: Record<string, string> = {
    app_id: credentials.appId,
    method: call.method,
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: formatShanghaiTime(new Date(), 'yyyy-MM-dd HH:mm:ss'),
    version: '1.0',
    ...(call.notifyUrl ? { notify_url: call.notifyUrl } : {}),
    ...(credentials.appAuthToken ? { app_auth_token: credentials.appAuthToken } : {}),
    ...(keys.certificateMode ? { app_cert_sn: keys.certificateMode.appCertSn, alipay_root_cert_sn: keys.certificateMode.alipayRootCertSn } : {}),
    biz_content: JSON.stringify(call.bizContent),
  };
  const sign = signAlipayContent(alipaySigningString(params), keys.privateKey);
  const result = await postToWallet({
    url,
    body: new URLSearchParams({ ...params, sign }).toString(),
    contentType: 'application/x-www-form-urlencoded;charset=utf-8',
    timeoutMs: call.timeoutMs,
  });
  return readWalletResult(result, (body) => verifiedAnswer(body, call.method, keys, call.fields));
}

/**
 * Reads an answer only through its signature: the exact `<method>_response` text (or `error_response`)
 * must verify with Alipay's key. Anything else is never trusted.
 */
function verifiedAnswer<K extends readonly string[]>(body: string, method: AlipayMethod, keys: AlipayKeys, fields: K): AlipayAnswer<AlipayFields<K>> {
  const signed = extractSignedResponse(body, `${method.replaceAll('.', '_')}_response`) ?? extractSignedResponse(body, 'error_response');
  if (!signed) return { kind: 'no_answer', reason: 'unreadable answer: no signed Alipay response in the body' };
  const claimed = claimedCodes(signed.content);
  if (!signed.sign) return { kind: 'unverifiable', reason: 'unsigned answer', claimed };
  if (!verifyAlipayContent(signed.content, signed.sign, keys.verifyKey)) {
    const expectedSn = keys.certificateMode?.alipayCertSn;
    if (!expectedSn) return { kind: 'unverifiable', reason: 'answer signature does not verify with the Alipay public key', claimed };
    const answerSn = topLevelString(body, 'alipay_cert_sn');
    const otherCertificate = answerSn && answerSn !== expectedSn ? ` (it names alipay_cert_sn ${answerSn}, the connected certificate is ${expectedSn})` : '';
    return { kind: 'unverifiable', reason: `answer signature does not verify with the Alipay certificate${otherCertificate}`, claimed };
  }
  let value: unknown;
  try {
    value = JSON.parse(signed.content);
  } catch {
    return { kind: 'no_answer', reason: 'unreadable answer: the signed response is not JSON' };
  }
  const response = readAlipayResponse(value, fields);
  if (!response) return { kind: 'no_answer', reason: 'unreadable answer: the signed response is not an object' };
  return { kind: 'answer', response };
}

/** What an answer that failed verification says it is: Alipay cannot sign for an app id it does not know. */
function claimedCodes(content: string): { code?: string; subCode?: string } {
  try {
    const r = readAlipayResponse(JSON.parse(content), ['code', 'sub_code'] as const);
    return { ...(r?.code ? { code: r.code } : {}), ...(r?.sub_code ? { subCode: r.sub_code } : {}) };
  } catch {
    return {};
  }
}
