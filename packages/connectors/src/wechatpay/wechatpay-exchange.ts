import { randomUUID } from 'node:crypto';
import type { ConnectorFlow, WechatCredentials } from '@counterpay/core';
import type { TlsClientIdentity } from '../tls-agents.ts';
import { resolveWalletEndpoint } from '../wallet-endpoints.ts';
import { postToWallet, readWalletResult } from '../wallet-http.ts';
import type { WechatAnswer, WechatEndpoint } from './wechatpay-answer.ts';
import { isWechatSignType, signWechatParams, verifyWechatParams, type WechatSignType } from './wechatpay-sign.ts';
import { buildWechatXml, parseWechatXml } from './wechatpay-xml.ts';

/**
 * One WeChat Pay v2 call (XML over HTTPS): appid, mch_id (in service-provider mode also sub_appid and
 * sub_mch_id), a fresh nonce_str, sign_type and sign, signed with the account's API key. `/secapi/`
 * calls present the account's client certificate; over HTTPS without one nothing is sent.
 */
export interface WechatCall {
  credentials: WechatCredentials;
  /** The base URL when the account names none. */
  defaultUrl: string;
  timeoutMs: number;
  signType: WechatSignType;
  endpoint: WechatEndpoint;
  business: object;
}

/** The endpoint of each connector flow. */
export const FLOW_ENDPOINTS: Readonly<Record<ConnectorFlow, WechatEndpoint>> = {
  pay: '/pay/micropay',
  createQr: '/pay/unifiedorder',
  query: '/pay/orderquery',
  cancel: '/secapi/pay/reverse',
  close: '/pay/closeorder',
  refund: '/secapi/pay/refund',
  queryRefund: '/pay/refundquery',
};

/** The reason of the `not_sent` outcome of a `/secapi/` call without a client certificate. */
export const CERTIFICATE_MISSING = 'wallet_certificate_missing';

/**
 * True when `endpoint` needs a client certificate the account lacks: a `/secapi/` path over HTTPS. (Over
 * plain HTTP, the local simulator without TLS, there is no handshake to present one in.)
 */
export function certificateMissing(credentials: WechatCredentials, defaultUrl: string, endpoint: WechatEndpoint): boolean {
  if (!endpoint.startsWith('/secapi/') || credentials.clientCertificate) return false;
  const baseUrl = wechatBaseUrl(credentials, defaultUrl);
  return baseUrl === null || baseUrl.startsWith('https:');
}

export async function exchangeWithWechat<R>(call: WechatCall): Promise<{ answer: WechatAnswer<R>; httpStatus: number | null }> {
  const { credentials, endpoint } = call;
  const baseUrl = wechatBaseUrl(credentials, call.defaultUrl);
  if (baseUrl === null) return { answer: { kind: 'not_sent', cause: 'unreachable', reason: 'the account endpoint is not a valid URL' }, httpStatus: null };
  if (certificateMissing(credentials, call.defaultUrl, endpoint)) {
    return { answer: { kind: 'not_sent', cause: 'client_certificate', reason: CERTIFICATE_MISSING }, httpStatus: null };
  }
  const params: Record<string, string> = {
    appid: credentials.appId,
    mch_id: credentials.mchId,
    ...(credentials.subMchId && credentials.subAppId ? { sub_appid: credentials.subAppId } : {}),
    ...(credentials.subMchId ? { sub_mch_id: credentials.subMchId } : {}),
    // 32 hex digits; randomUUID draws from Node's own pool (randomBytes made a system call per request).
    nonce_str: randomUUID().replaceAll('-', ''),
    sign_type: call.signType,
    ...(call.business as Record<string, string>),
  };
  params.sign = signWechatParams(params, credentials.apiKey, call.signType);
  const clientIdentity = endpoint.startsWith('/secapi/') ? tlsIdentity(credentials) : undefined;
  const result = await postToWallet({
    url: `${baseUrl}${endpoint}`,
    body: buildWechatXml(params),
    contentType: 'text/xml; charset=utf-8',
    timeoutMs: call.timeoutMs,
    ...(clientIdentity ? { clientIdentity } : {}),
  });
  return readWalletResult(result, (body) => verifiedAnswer<R>(body, credentials, call.signType));
}

/** The account's base URL (its own endpoint, or the connector's); null when its endpoint is not valid. */
export function wechatBaseUrl(credentials: WechatCredentials, defaultUrl: string): string | null {
  if (!credentials.endpoint) return defaultUrl.replace(/\/+$/, '');
  try {
    return resolveWalletEndpoint('wechat', credentials.endpoint);
  } catch {
    return null;
  }
}

/** The client certificate as TLS takes it; a .p12's password is the mch_id (WeChat's rule). */
export function tlsIdentity(credentials: WechatCredentials): TlsClientIdentity | undefined {
  const certificate = credentials.clientCertificate;
  if (!certificate) return undefined;
  if ('p12' in certificate) return { pfx: Buffer.from(certificate.p12, 'base64'), passphrase: credentials.mchId };
  return { cert: certificate.certPem, key: certificate.keyPem };
}

/**
 * Reads an answer only through its signature. return_code FAIL answers are unsigned by protocol and
 * only their return_msg is used. WeChat signs an answer with the request's sign_type; an answer that
 * names its own sign_type is checked with that one (both are keyed with the API key).
 */
function verifiedAnswer<R>(body: string, credentials: WechatCredentials, requestSignType: WechatSignType): WechatAnswer<R> {
  const fields = parseWechatXml(body);
  if (!fields) return { kind: 'no_answer', reason: 'unreadable answer: not a WeChat Pay XML body' };
  if (fields.return_code === 'FAIL') return { kind: 'refused', returnMsg: fields.return_msg ?? '' };
  if (fields.return_code !== 'SUCCESS') return { kind: 'no_answer', reason: 'unreadable answer: no return_code' };
  if (!fields.sign) return { kind: 'unverifiable', reason: 'unsigned answer' };
  const signType = isWechatSignType(fields.sign_type) ? fields.sign_type : requestSignType;
  if (!verifyWechatParams(fields, credentials.apiKey, signType)) {
    return { kind: 'unverifiable', reason: 'answer signature does not verify with the API key' };
  }
  // A correctly signed answer about another merchant is still not an answer about this request.
  if ((fields.appid && fields.appid !== credentials.appId) || (fields.mch_id && fields.mch_id !== credentials.mchId)) {
    return { kind: 'unverifiable', reason: 'answer is for another appid or mch_id' };
  }
  if (credentials.subMchId && fields.sub_mch_id && fields.sub_mch_id !== credentials.subMchId) {
    return { kind: 'unverifiable', reason: 'answer is for another sub_mch_id' };
  }
  return { kind: 'answer', response: fields as R };
}
