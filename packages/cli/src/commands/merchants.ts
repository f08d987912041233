import { isLateSuccessPolicy } from '@counterpay/core';
import { createMerchant, loadConfig, merchantLateSuccessPolicy, openDatabase } from '@counterpay/gateway';
import { credentialLines } from '../credentials-text.ts';

/** Creates a merchant directly in the configured database: works with no server running. */
export async function merchantsCreate(values: { name?: string | undefined; currency?: string | undefined; json?: boolean | undefined }): Promise<number> {
  if (!values.name) {
    console.error('counterpay merchants create: --name is required');
    return 1;
  }
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const credentials = await createMerchant(database, config.masterKey, { name: values.name, ...(values.currency ? { currency: values.currency } : {}) });
    if (values.json) {
      console.log(JSON.stringify(credentials, null, 2));
    } else {
      console.log(`Created merchant ${credentials.merchant_id} (${credentials.name}), store ${credentials.store_no}, terminal ${credentials.terminal_no}.`);
      console.log('Test mode (the wallet simulator):');
      for (const line of credentialLines(credentials, 'test')) console.log(line);
      console.log('Live mode (real wallets: connect them first, see `counterpay wallets --help`):');
      for (const line of credentialLines(credentials, 'live')) console.log(line);
      console.log('Keep these: they are shown only once (use --json for scripts).');
    }
    return 0;
  } finally {
    await database.close();
  }
}

/**
 * Shows, or with --late-success sets, a merchant's settings in the configured database (no server
 * needed): late_success_policy `refund` (default) or `accept`.
 */
export async function merchantsSettings(values: { merchant?: string | undefined; 'late-success'?: string | undefined; json?: boolean | undefined }): Promise<number> {
  if (!values.merchant) {
    console.error('counterpay merchants settings: --merchant ID is required');
    return 1;
  }
  const wanted = values['late-success'];
  if (wanted !== undefined && !isLateSuccessPolicy(wanted)) {
    console.error(`counterpay merchants settings: --late-success must be refund or accept, not ${JSON.stringify(wanted)}`);
    return 1;
  }
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    const policy = await merchantLateSuccessPolicy(database, config.masterKey, values.merchant, wanted);
    if (!policy) {
      console.error(`counterpay merchants settings: no merchant ${values.merchant}`);
      return 1;
    }
    if (values.json) console.log(JSON.stringify({ object: 'settings', merchant_id: values.merchant, late_success_policy: policy }, null, 2));
    else console.log(`Merchant ${values.merchant}: late_success_policy ${policy} (${policy === 'accept' ? 'a late success makes the payment succeeded' : 'a late success is refunded at the wallet'}).`);
    return 0;
  } finally {
    await database.close();
  }
}
