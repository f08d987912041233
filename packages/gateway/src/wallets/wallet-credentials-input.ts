import { ValidationError, type Wallet, type WalletCredentials } from '@counterpay/core';

/** What a merchant sends to connect a wallet account (the API's body; the CLI reads the files into it). */
export interface WalletAccountInput {
  wallet: Wallet;
  app_id: string;
  endpoint?: string | undefined;
  // Alipay open platform
  private_key?: string | undefined;
  alipay_public_key?: string | undefined;
  app_cert?: string | undefined;
  alipay_cert?: string | undefined;
  alipay_root_cert?: string | undefined;
  app_auth_token?: string | undefined;
  // WeChat Pay v2
  mch_id?: string | undefined;
  api_key?: string | undefined;
  cert_pem?: string | undefined;
  key_pem?: string | undefined;
  /** The `.p12` file, base64; its password is the mch id. */
  p12?: string | undefined;
  sub_mch_id?: string | undefined;
  sub_app_id?: string | undefined;
}

const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----/;

function required(value: string | undefined, param: string, what: string): string {
  if (!value) throw new ValidationError('parameter_missing', `${what} is required.`, param);
  return value;
}

function pem(value: string | undefined, param: string, what: string): string {
  const text = required(value, param, what);
  if (!PEM.test(text)) throw new ValidationError('parameter_invalid', `${what} must be PEM text (-----BEGIN … -----).`, param);
  return text;
}

/** Turns a connect request into the connector's credentials, refusing incomplete or mixed modes. */
export function credentialsFrom(input: WalletAccountInput): WalletCredentials {
  const endpoint = input.endpoint ? { endpoint: input.endpoint } : {};
  if (input.wallet === 'alipay') return alipayCredentials(input, endpoint);
  return wechatCredentials(input, endpoint);
}

function alipayCredentials(input: WalletAccountInput, endpoint: { endpoint?: string }): WalletCredentials {
  const base = {
    wallet: 'alipay' as const,
    appId: required(input.app_id, 'app_id', 'The Alipay app id'),
    appPrivateKey: pem(input.private_key, 'private_key', 'The app private key'),
    ...(input.app_auth_token ? { appAuthToken: input.app_auth_token } : {}),
    ...endpoint,
  };
  const certificateMode = input.app_cert !== undefined || input.alipay_cert !== undefined || input.alipay_root_cert !== undefined;
  if (certificateMode && input.alipay_public_key) {
    throw new ValidationError('parameter_invalid', 'Send either the Alipay public key or the three certificates (certificate mode), not both.', 'alipay_public_key');
  }
  if (!certificateMode) return { ...base, alipayPublicKey: pem(input.alipay_public_key, 'alipay_public_key', 'The Alipay public key (or, in certificate mode, app_cert, alipay_cert and alipay_root_cert)') };
  return {
    ...base,
    certificates: {
      appCertPem: pem(input.app_cert, 'app_cert', 'The app certificate (appCertPublicKey_<app id>.crt)'),
      alipayCertPem: pem(input.alipay_cert, 'alipay_cert', 'The Alipay certificate (alipayCertPublicKey_RSA2.crt)'),
      alipayRootCertPem: pem(input.alipay_root_cert, 'alipay_root_cert', 'The Alipay root certificate (alipayRootCert.crt)'),
    },
  };
}

function wechatCredentials(input: WalletAccountInput, endpoint: { endpoint?: string }): WalletCredentials {
  const apiKey = required(input.api_key, 'api_key', 'The WeChat Pay API key');
  if (apiKey.length !== 32) throw new ValidationError('parameter_invalid', 'The WeChat Pay API key is 32 characters (set in the merchant platform, API security).', 'api_key');
  const mchId = required(input.mch_id, 'mch_id', 'The WeChat Pay mch id');
  if (input.p12 && (input.cert_pem || input.key_pem)) throw new ValidationError('parameter_invalid', 'Send either the .p12 file or the PEM pair, not both.', 'p12');
  if (!!input.cert_pem !== !!input.key_pem) throw new ValidationError('parameter_missing', 'The client certificate needs both apiclient_cert.pem and apiclient_key.pem.', input.cert_pem ? 'key_pem' : 'cert_pem');
  const clientCertificate = input.p12
    ? { clientCertificate: { p12: input.p12 } }
    : input.cert_pem
      ? { clientCertificate: { certPem: pem(input.cert_pem, 'cert_pem', 'The client certificate'), keyPem: pem(input.key_pem, 'key_pem', 'The client certificate key') } }
      : {};
  return {
    wallet: 'wechat',
    appId: required(input.app_id, 'app_id', 'The WeChat Pay app id'),
    mchId,
    apiKey,
    ...clientCertificate,
    ...(input.sub_mch_id ? { subMchId: input.sub_mch_id } : {}),
    ...(input.sub_app_id ? { subAppId: input.sub_app_id } : {}),
    ...endpoint,
  };
}
