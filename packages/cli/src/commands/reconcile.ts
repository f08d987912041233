import { fetchSimulatorLedger, openDatabase, reconcile } from '@counterpay/gateway';
import { existingDatabaseConfig } from '../client-config.ts';

/** Compares the gateway's payments and refunds with the simulator's ledger; exits 1 on any mismatch. */
export async function reconcileAgainstSim(values: { json?: boolean | undefined; 'against-sim'?: boolean | undefined }): Promise<number> {
  if (!values['against-sim']) {
    console.error('counterpay reconcile: only --against-sim is available (the simulator is the wallet of record here)');
    return 1;
  }
  const config = existingDatabaseConfig();
  const database = await openDatabase(config);
  try {
    const report = await reconcile(database, config.masterKey, await fetchSimulatorLedger(config.simUrl));
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`payments ${report.payments}, refunds ${report.refunds}; wallet charges ${report.charges}, wallet refunds ${report.walletRefunds}`);
      if (report.open.length) console.log(`  ${report.open.length} QR payment(s) still open for the buyer: ${report.open.join(', ')}`);
      for (const m of report.mismatches) console.log(`  ${m.kind.padEnd(24)} ${m.id}  ${m.detail}`);
      console.log(report.mismatches.length === 0 ? 'no mismatches' : `${report.mismatches.length} mismatch(es)`);
    }
    return report.mismatches.length === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}
