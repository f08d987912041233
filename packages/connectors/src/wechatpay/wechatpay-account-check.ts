import { randomBytes } from 'node:crypto';
import type { AccountVerdict, AccountVerification, WalletContext, WechatCredentials } from '@counterpay/core';
import { summarizeAccount } from '../account-summary.ts';
import { agentFor, UnusableClientCertificateError } from '../tls-agents.ts';
import { recordedCall } from '../wallet-http.ts';
import { describe, wechatAnswerError, type WechatAnswer, type WechatCommonResponse, type WechatEndpoint } from './wechatpay-answer.ts';
import { exchangeWithWechat, tlsIdentity, wechatBaseUrl } from './wechatpay-exchange.ts';
import type { WechatSignType } from './wechatpay-sign.ts';

/**
 * `wallets connect` for WeChat Pay: an order query for an order number that cannot exist tells whether
 * WeChat knows the appid and mch_id (and sub_mch_id) and accepts our API key (a correct account gets
 * ORDERNOTEXIST); with a client certificate, a reverse of that same non-existent order on `/secapi/`
 * tells whether WeChat accepts the certificate. Messages say which credential is wrong, never quote one.
 */
export async function verifyWechatAccount(
  ctx: WalletContext,
  credentials: WechatCredentials,
  options: { defaultUrl: string; timeoutMs: number; signType: WechatSignType },
): Promise<AccountVerification> {
  const summary = summarizeAccount(credentials);
  const verdict = localProblem(credentials) ?? (await probe(ctx, credentials, options));
  return { ...verdict, summary };
}

type Verdict = { verdict: AccountVerdict; message: string };
type Options = { defaultUrl: string; timeoutMs: number; signType: WechatSignType };

function localProblem(credentials: WechatCredentials): Verdict | null {
  if (credentials.apiKey.length !== 32) {
    return { verdict: 'api_key_wrong', message: `The API key (--api-key) has ${credentials.apiKey.length} characters; WeChat Pay's v2 API key has 32 (merchant platform, Account Center, API security).` };
  }
  try {
    agentFor(tlsIdentity(credentials));
  } catch (error) {
    if (!(error instanceof UnusableClientCertificateError)) throw error;
    const files = credentials.clientCertificate && 'p12' in credentials.clientCertificate ? '--p12-file (its password must be the mch_id)' : '--cert-file and --key-file (a matching pair)';
    return { verdict: 'certificate_not_accepted', message: `The client certificate cannot be used: ${error.message}. Check ${files}.` };
  }
  return null;
}

async function probe(ctx: WalletContext, credentials: WechatCredentials, options: Options): Promise<Verdict> {
  const outTradeNo = `verify_${randomBytes(12).toString('hex')}`;
  const query = await check(ctx, credentials, options, '/pay/orderquery', outTradeNo, orderQueryVerdict);
  if (query.verdict !== 'ok') return query;
  const https = wechatBaseUrl(credentials, options.defaultUrl)?.startsWith('https:') ?? false;
  if (!credentials.clientCertificate) {
    if (!https) return query;
    return { verdict: 'ok', message: `${query.message} No client certificate is connected: refunds and reversals cannot be sent (wallet_certificate_missing) until one is.` };
  }
  if (!https) return { verdict: 'ok', message: `${query.message} The client certificate was not checked: the endpoint is not HTTPS.` };
  return check(ctx, credentials, options, '/secapi/pay/reverse', outTradeNo, reverseVerdict);
}

async function check(
  ctx: WalletContext,
  credentials: WechatCredentials,
  options: Options,
  endpoint: WechatEndpoint,
  outTradeNo: string,
  verdictFor: (answer: WechatAnswer<WechatCommonResponse>, credentials: WechatCredentials) => Verdict,
): Promise<Verdict> {
  return recordedCall(ctx, 'wechat', endpoint, async () => {
    const { answer, httpStatus } = await exchangeWithWechat<WechatCommonResponse>({ credentials, ...options, endpoint, business: { out_trade_no: outTradeNo } });
    const verdict = verdictFor(answer, credentials);
    return { outcome: { kind: verdict.verdict, ...verdict }, walletCode: answer.kind === 'answer' ? (answer.response.err_code ?? null) : null, httpStatus, error: wechatAnswerError(answer) };
  });
}

const IDS = 'the appid and mch_id (--app-id, --mch-id: the mch_id is the merchant number, the appid one bound to it)';

function orderQueryVerdict(answer: WechatAnswer<WechatCommonResponse>, credentials: WechatCredentials): Verdict {
  switch (answer.kind) {
    case 'not_sent':
      if (answer.cause === 'tls_server_certificate') {
        return { verdict: 'tls_untrusted', message: `The WeChat Pay endpoint was not trusted: ${answer.reason}. Its certificate must chain to a system CA or one in NODE_EXTRA_CA_CERTS.` };
      }
      return { verdict: 'endpoint_unreachable', message: `Could not reach the WeChat Pay endpoint: ${answer.reason}. Check --endpoint.` };
    case 'no_answer':
      return { verdict: 'endpoint_unreachable', message: `No WeChat Pay answer from the endpoint: ${answer.reason}. Check --endpoint (the base URL, without /pay/…).` };
    case 'unverifiable':
      return { verdict: 'response_unverifiable', message: `WeChat Pay accepted the request but its answer cannot be trusted: ${answer.reason}. Check --api-key and --endpoint.` };
    case 'refused':
      return refusalVerdict(answer.returnMsg, credentials);
    case 'answer': {
      const r = answer.response;
      if (r.result_code === 'SUCCESS' || r.err_code === 'ORDERNOTEXIST') return accepted(credentials, 'and the API key');
      const said = `WeChat Pay answered ${describe(r)}`;
      return credentialVerdict(`${r.err_code ?? ''} ${r.err_code_des ?? ''}`, said, credentials) ?? { verdict: 'wallet_refused', message: `${said}.` };
    }
  }
}

/** return_code FAIL: WeChat's own words say which credential it refused. */
function refusalVerdict(returnMsg: string, credentials: WechatCredentials): Verdict {
  const said = `WeChat Pay refused the request (${returnMsg})`;
  return credentialVerdict(returnMsg, said, credentials) ?? { verdict: 'wallet_refused', message: `${said}.` };
}

/** Which credential WeChat's words (return_msg, or err_code and its description) blame, if any. */
function credentialVerdict(words: string, said: string, credentials: WechatCredentials): Verdict | null {
  if (/签名|sign/i.test(words)) {
    return { verdict: 'api_key_wrong', message: `${said}: the API key (--api-key) is not the one set for mch_id ${credentials.mchId}${credentials.subMchId ? ' (in service-provider mode, the partner\'s key)' : ''}.` };
  }
  if (/证书|certificate/i.test(words)) {
    return { verdict: 'certificate_not_accepted', message: `${said}: the client certificate is not one WeChat Pay issued for mch_id ${credentials.mchId}.` };
  }
  if (/sub_mch_id|sub_appid|子商户|受理关系/i.test(words)) {
    return { verdict: 'app_id_unknown', message: `${said}: check --sub-mch-id and --sub-app-id (the sub-merchant must be bound to partner mch_id ${credentials.mchId}).` };
  }
  if (/appid|mch_?id|商户号/i.test(words)) return { verdict: 'app_id_unknown', message: `${said}: check ${IDS}.` };
  return null;
}

function accepted(credentials: WechatCredentials, what: string): Verdict {
  return { verdict: 'ok', message: `WeChat Pay accepted mch_id ${credentials.mchId}${credentials.subMchId ? ` for sub_mch_id ${credentials.subMchId}` : ''} ${what}.` };
}

function reverseVerdict(answer: WechatAnswer<WechatCommonResponse>, credentials: WechatCredentials): Verdict {
  switch (answer.kind) {
    case 'answer':
      return accepted(credentials, 'with the API key and the client certificate');
    case 'refused':
      return refusalVerdict(answer.returnMsg, credentials);
    case 'not_sent':
      // The query over the same endpoint worked: a handshake that fails now is the client certificate's.
      if (answer.cause === 'tls_handshake' || answer.cause === 'client_certificate') {
        return { verdict: 'certificate_not_accepted', message: `The client certificate was refused in the TLS handshake (${answer.reason}): it is not one WeChat Pay issued for mch_id ${credentials.mchId}.` };
      }
      return orderQueryVerdict(answer, credentials);
    case 'no_answer':
    case 'unverifiable':
      return orderQueryVerdict(answer, credentials);
  }
}
