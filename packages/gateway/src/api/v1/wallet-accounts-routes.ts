import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { WALLETS } from '@counterpay/core';
import type { WalletAccounts } from '../../wallets/wallet-accounts.ts';
import { credentialsFrom } from '../../wallets/wallet-credentials-input.ts';
import { errorResponses } from './schemas.ts';

const Text = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 20_000, description }));

const ConnectBody = Type.Object(
  {
    wallet: Type.Unsafe<(typeof WALLETS)[number]>({ type: 'string', enum: [...WALLETS] }),
    app_id: Type.String({ minLength: 1, maxLength: 64, description: 'Alipay app id, or WeChat Pay appid.' }),
    endpoint: Text('production (default in live mode), sandbox (Alipay), hk (WeChat Pay), or a URL.'),
    verify: Type.Optional(Type.Boolean({ description: 'Check the credentials with one harmless signed call first (default true).' })),
    private_key: Text('Alipay: the app private key, PEM (PKCS#1 or PKCS#8).'),
    alipay_public_key: Text('Alipay public key mode: the Alipay public key, PEM.'),
    app_cert: Text('Alipay certificate mode: appCertPublicKey_<app id>.crt.'),
    alipay_cert: Text('Alipay certificate mode: alipayCertPublicKey_RSA2.crt.'),
    alipay_root_cert: Text('Alipay certificate mode: alipayRootCert.crt.'),
    app_auth_token: Text('Alipay: an ISV acting for this merchant.'),
    mch_id: Text('WeChat Pay: mch_id (the partner\'s in service-provider mode).'),
    api_key: Text('WeChat Pay: the 32-character API key.'),
    cert_pem: Text('WeChat Pay: apiclient_cert.pem (refunds and reversals).'),
    key_pem: Text('WeChat Pay: apiclient_key.pem.'),
    p12: Text('WeChat Pay: apiclient_cert.p12 as base64 (instead of the PEM pair).'),
    sub_mch_id: Text('WeChat Pay service-provider mode: the sub-merchant.'),
    sub_app_id: Text('WeChat Pay service-provider mode: the sub-merchant\'s own appid.'),
  },
  { additionalProperties: false },
);

/** `/v1/wallet_accounts`: connect the merchant's own wallet accounts (in the key's mode) and list them. */
export const walletAccountsRoutes =
  (walletAccounts: WalletAccounts): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/wallet_accounts',
      { schema: { summary: 'Connect (or replace) a wallet account, checked with one harmless signed call', tags: ['wallet accounts'], body: ConnectBody, response: { 200: Type.Unknown(), ...errorResponses } } },
      async (request) => {
        const { verify, ...input } = request.body;
        return walletAccounts.connect(request.merchant, credentialsFrom(input), { verify: verify ?? true });
      },
    );
    app.get('/wallet_accounts', { schema: { summary: 'The connected wallet accounts of this mode, without secrets', tags: ['wallet accounts'], response: { 200: Type.Unknown(), ...errorResponses } } }, async (request) => ({
      object: 'list',
      data: await walletAccounts.list(request.merchant),
      has_more: false,
    }));
  };
