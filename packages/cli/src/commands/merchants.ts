import { createMerchant, loadConfig, openDatabase } from '@counterpay/gateway';

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
      console.log(`Created merchant ${credentials.merchant_id} (${credentials.name}).`);
      console.log(`  secret key (native API): ${credentials.secret_key}`);
      console.log(`  Omise secret key:        ${credentials.omise.secretKey}`);
      console.log(`  PingPong accId/salt:     ${credentials.pingpong.accId} / ${credentials.pingpong.salt}`);
      console.log(`  ScanForPay partner/key:  ${credentials.scanforpay.partnerNo} / ${credentials.scanforpay.signKey}`);
      console.log(`  webhook secret:          ${credentials.webhook_secret}`);
      console.log(`  live secret key:         ${credentials.live_secret_key}   (live mode: connect wallets first, see \`counterpay wallets --help\`)`);
      console.log(`  live webhook secret:     ${credentials.live_webhook_secret}`);
      console.log('Keep these: they are shown only once (use --json for scripts).');
    }
    return 0;
  } finally {
    await database.close();
  }
}
