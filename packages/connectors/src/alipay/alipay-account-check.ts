import { randomBytes } from 'node:crypto';
import type { AccountVerdict, AccountVerification, AlipayCredentials, WalletContext } from '@counterpay/core';
import { summarizeAccount, keyFingerprint } from '../account-summary.ts';
import { recordedCall } from '../wallet-http.ts';
import { alipayAnswerError, describe, type AlipayAnswer, type AlipayFields } from './alipay-answer.ts';
import { certifiedPublicKey } from './alipay-certificates.ts';
import { exchangeWithAlipay } from './alipay-exchange.ts';
import { alipayKeys, UnreadableAlipayCredentialError } from './alipay-keys.ts';
import { TRADE_QUERY_FIELDS } from './alipay-payment-transformers.ts';

/**
 * `wallets connect` for Alipay: the keys are read here first, then one harmless signed call (a query
 * for an order number that cannot exist) tells whether Alipay knows the app id, accepts our signature,
 * and signs answers with the key or certificate we were given. A correct account gets
 * ACQ.TRADE_NOT_EXIST. Messages say which credential is wrong; they never quote one.
 */
export async function verifyAlipayAccount(
  ctx: WalletContext,
  credentials: AlipayCredentials,
  options: { defaultUrl: string; timeoutMs: number },
): Promise<AccountVerification> {
  const summary = summarizeAccount(credentials);
  const local = localProblem(credentials);
  if (local) return { ...local, summary };
  const verdict = await recordedCall(ctx, 'alipay', 'alipay.trade.query', async () => {
    const bizContent = { out_trade_no: `verify_${randomBytes(12).toString('hex')}` };
    const { answer, httpStatus } = await exchangeWithAlipay({ credentials, ...options, method: 'alipay.trade.query', bizContent, fields: TRADE_QUERY_FIELDS });
    const found = verdictFromAnswer(answer, credentials);
    return { outcome: { kind: found.verdict, ...found }, walletCode: answer.kind === 'answer' ? (answer.response.sub_code ?? null) : null, httpStatus, error: alipayAnswerError(answer) };
  });
  return { verdict: verdict.verdict, message: verdict.message, summary };
}

type Verdict = { verdict: AccountVerdict; message: string };

const PRIVATE_KEY = 'the app private key (--private-key-file)';

/** Keys that cannot be read, or an app certificate that is not the private key's, fail before any call. */
function localProblem(credentials: AlipayCredentials): Verdict | null {
  try {
    const keys = alipayKeys(credentials);
    if (credentials.certificates && keyFingerprint(certifiedPublicKey(credentials.certificates.appCertPem)) !== keyFingerprint(keys.privateKey)) {
      return { verdict: 'signature_rejected', message: `The app certificate (--app-cert-file) certifies another key than ${PRIVATE_KEY}: give the certificate Alipay issued for this key.` };
    }
    return null;
  } catch (error) {
    if (!(error instanceof UnreadableAlipayCredentialError)) throw error;
    const verdict: AccountVerdict = error.credential === 'app_private_key' || error.credential === 'app_cert' ? 'signature_rejected' : 'response_unverifiable';
    return { verdict, message: `Cannot use the account: ${error.message}.` };
  }
}

function verdictFromAnswer(answer: AlipayAnswer<AlipayFields<typeof TRADE_QUERY_FIELDS>>, credentials: AlipayCredentials): Verdict {
  const endpoint = credentials.endpoint ? ` ${credentials.endpoint}` : '';
  switch (answer.kind) {
    case 'unusable_credentials': // read before the call already (localProblem)
      return { verdict: 'signature_rejected', message: `Cannot use the account: ${answer.reason}.` };
    case 'not_sent':
      if (answer.cause === 'tls_server_certificate') {
        return { verdict: 'tls_untrusted', message: `The Alipay endpoint${endpoint} was not trusted: ${answer.reason}. Its certificate must chain to a system CA or one in NODE_EXTRA_CA_CERTS.` };
      }
      return { verdict: 'endpoint_unreachable', message: `Could not reach the Alipay endpoint${endpoint}: ${answer.reason}. Check --endpoint.` };
    case 'no_answer':
      return { verdict: 'endpoint_unreachable', message: `No Alipay answer from the endpoint${endpoint}: ${answer.reason}. Check --endpoint (the full gateway URL, …/gateway.do).` };
    case 'unverifiable':
      // Alipay cannot sign for an app id it does not know: that claim is worth reporting unverified.
      if (answer.claimed?.subCode === 'isv.invalid-app-id') return appIdUnknown(`Alipay answered ${answer.claimed.code ?? ''} isv.invalid-app-id (unsigned)`, credentials.appId);
      return {
        verdict: 'response_unverifiable',
        message: credentials.certificates
          ? `Alipay's answer does not verify with the Alipay certificate (--alipay-cert-file, alipayCertPublicKey_RSA2.crt): ${answer.reason}.`
          : `Alipay's answer does not verify with the Alipay public key (--alipay-public-key-file: Alipay's public key from the console, not the app's own): ${answer.reason}.`,
      };
    case 'answer':
      return verdictFromResponse(answer.response, credentials.appId);
  }
}

function verdictFromResponse(r: AlipayFields<typeof TRADE_QUERY_FIELDS>, appId: string): Verdict {
  const said = `Alipay answered ${describe(r)}`;
  if (r.code === '10000' || r.sub_code === 'ACQ.TRADE_NOT_EXIST') return { verdict: 'ok', message: `Alipay accepted app id ${appId} and its signatures verify both ways.` };
  if (r.sub_code === 'isv.invalid-app-id') return appIdUnknown(said, appId);
  if (r.sub_code === 'isv.invalid-signature') {
    return { verdict: 'signature_rejected', message: `${said}: the request signature does not verify at Alipay. Check ${PRIVATE_KEY}: its public key must be the one uploaded for app id ${appId}.` };
  }
  if (/cert/i.test(r.sub_code ?? '')) {
    return { verdict: 'certificate_not_accepted', message: `${said}: check the app certificate and the Alipay root certificate (--app-cert-file, --alipay-root-cert-file).` };
  }
  return { verdict: 'wallet_refused', message: `${said}. The signatures verify both ways, but Alipay refused the check.` };
}

function appIdUnknown(said: string, appId: string): Verdict {
  return { verdict: 'app_id_unknown', message: `${said}: Alipay does not know app id ${appId} at this endpoint (a sandbox app id works only with --endpoint sandbox). Check --app-id and --endpoint.` };
}
