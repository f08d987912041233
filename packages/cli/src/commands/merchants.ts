import { createMerchant, loadConfig, openDatabase } from '@counterpay/gateway';
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
