import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type WalletAccountInput, type WalletAccountObject, credentialsFrom, openDatabase, walletAccountsFor } from '@counterpay/gateway';
import { existingDatabaseConfig } from '../client-config.ts';

export const WALLETS_USAGE = `counterpay wallets — connect a merchant's own Alipay and WeChat Pay accounts (live mode by default)

  counterpay wallets connect alipay --merchant ID --app-id ID --private-key-file PEM
      (--alipay-public-key-file PEM | --app-cert-file CRT --alipay-cert-file CRT --alipay-root-cert-file CRT)
      [--app-auth-token TOKEN] [--endpoint production|sandbox|URL] [--mode live|test] [--no-verify] [--json]
  counterpay wallets connect wechat --merchant ID --app-id ID --mch-id ID --api-key KEY
      [--cert-file PEM --key-file PEM | --p12-file FILE] [--sub-mch-id ID [--sub-app-id ID]]
      [--endpoint production|hk|URL] [--mode live|test] [--no-verify] [--json]
  counterpay wallets list --merchant ID [--mode live|test] [--json]

connect checks the credentials with one harmless signed call (a query for an order that does not exist)
and refuses them, saving nothing, with a message naming the credential that is wrong. Connecting again
replaces the account (key or certificate rotation). Secrets are stored encrypted and never shown.`;

const OPTIONS = {
  merchant: { type: 'string' },
  mode: { type: 'string', default: 'live' },
  'app-id': { type: 'string' },
  'private-key-file': { type: 'string' },
  'alipay-public-key-file': { type: 'string' },
  'app-cert-file': { type: 'string' },
  'alipay-cert-file': { type: 'string' },
  'alipay-root-cert-file': { type: 'string' },
  'app-auth-token': { type: 'string' },
  'mch-id': { type: 'string' },
  'api-key': { type: 'string' },
  'cert-file': { type: 'string' },
  'key-file': { type: 'string' },
  'p12-file': { type: 'string' },
  'sub-mch-id': { type: 'string' },
  'sub-app-id': { type: 'string' },
  endpoint: { type: 'string' },
  'no-verify': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

const text = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file, 'utf8'));

/** The connect request from the command line, files read (the .p12 as base64). */
function inputFrom(wallet: 'alipay' | 'wechat', values: Values): WalletAccountInput {
  return {
    wallet,
    app_id: values['app-id'] ?? '',
    endpoint: values.endpoint,
    private_key: text(values['private-key-file']),
    alipay_public_key: text(values['alipay-public-key-file']),
    app_cert: text(values['app-cert-file']),
    alipay_cert: text(values['alipay-cert-file']),
    alipay_root_cert: text(values['alipay-root-cert-file']),
    app_auth_token: values['app-auth-token'],
    mch_id: values['mch-id'],
    api_key: values['api-key'],
    cert_pem: text(values['cert-file']),
    key_pem: text(values['key-file']),
    p12: values['p12-file'] === undefined ? undefined : readFileSync(values['p12-file']).toString('base64'),
    sub_mch_id: values['sub-mch-id'],
    sub_app_id: values['sub-app-id'],
  };
}

function show(account: WalletAccountObject): void {
  const who = account.wallet === 'alipay' ? `app ${account.app_id}${account.alipay_mode ? ` (${account.alipay_mode.replace('_', ' ')} mode)` : ''}` : `mch ${account.mch_id}${account.sub_mch_id ? ` sub ${account.sub_mch_id}` : ''}, app ${account.app_id}`;
  console.log(`${account.wallet.padEnd(7)} ${account.livemode ? 'live' : 'test'}  ${who}  endpoint ${account.endpoint}`);
  for (const key of account.keys) console.log(`          key ${key.name}: ${key.fingerprint ?? key.problem ?? '?'}`);
  for (const certificate of account.certificates) console.log(`          certificate ${certificate.name}: expires ${certificate.notAfter?.slice(0, 10) ?? certificate.problem ?? '?'}`);
  for (const warning of account.warnings) console.log(`          warning: ${warning}`);
}

/** `counterpay wallets connect|list`: against the configured database, no server needed. */
export async function wallets(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const [action, wallet] = positionals;
  if (values.help || !action) {
    console.log(WALLETS_USAGE);
    return values.help ? 0 : 1;
  }
  if (!values.merchant) throw new Error('--merchant ID is required (the merchant_id printed by `counterpay merchants create`)');
  if (values.mode !== 'live' && values.mode !== 'test') throw new Error('--mode is live or test');
  const scope = { merchantId: values.merchant, livemode: values.mode === 'live' };
  const config = existingDatabaseConfig();
  const database = await openDatabase(config);
  try {
    const accounts = walletAccountsFor(database, config);
    if (action === 'list') {
      const list = await accounts.list(scope);
      if (values.json) console.log(JSON.stringify(list, null, 2));
      else if (list.length === 0) console.log(`no wallet account connected in ${values.mode} mode`);
      else list.forEach(show);
      return 0;
    }
    if (action !== 'connect' || (wallet !== 'alipay' && wallet !== 'wechat')) throw new Error(`unknown wallets command: ${positionals.join(' ')}\n\n${WALLETS_USAGE}`);
    const account = await accounts.connect(scope, credentialsFrom(inputFrom(wallet, values)), { verify: !values['no-verify'] });
    if (values.json) console.log(JSON.stringify(account, null, 2));
    else {
      console.log(`connected (${values['no-verify'] ? 'not verified' : 'verified with one signed call'}):`);
      show(account);
    }
    return 0;
  } finally {
    await database.close();
  }
}
