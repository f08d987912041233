import { type Currency, formatDecimalAmount, isCurrency } from '@counterpay/core';
import { type ReconciliationReportObject, combineReports, fetchSimulatorLedger, openDatabase, reconcile, reconciliationFor } from '@counterpay/gateway';
import { existingDatabaseConfig } from '../client-config.ts';
import { type ClientOptions, clientFor } from './payments.ts';

interface ReconcileOptions extends ClientOptions {
  json?: boolean | undefined;
  'against-sim'?: boolean | undefined;
  date?: string | undefined;
  merchant?: string | undefined;
  mode?: string | undefined;
  wallet?: string | undefined;
}

/**
 * `counterpay reconcile --date YYYY-MM-DD`: reconciles that China day's wallet statements now (through
 * the gateway's API, or with `--merchant` straight in the database) and prints the result. Exit 0 when
 * every difference was repaired, 1 when some need a person. `--against-sim` is the ledger test tool.
 */
export async function reconcileCommand(values: ReconcileOptions): Promise<number> {
  if (values['against-sim']) return reconcileAgainstSim(values);
  const date = values.date;
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    console.error('counterpay reconcile: --date YYYY-MM-DD is required (a China Standard Time day)');
    return 1;
  }
  if (values.mode !== undefined && values.mode !== 'test' && values.mode !== 'live') {
    console.error('counterpay reconcile: --mode is test or live');
    return 1;
  }
  if (values.wallet !== undefined && values.wallet !== 'alipay' && values.wallet !== 'wechat') {
    console.error('counterpay reconcile: --wallet is alipay or wechat');
    return 1;
  }
  const wallet = values.wallet as 'alipay' | 'wechat' | undefined;
  const reports = values.merchant ? await runInDatabase(values.merchant, values.mode === 'live', date, wallet) : await runThroughApi(values, date, wallet);
  const result = combineReports(date, reports);
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    printReadable(result, reports);
  }
  return result.unrepaired === 0 ? 0 : 1;
}

async function runThroughApi(values: ReconcileOptions, date: string, wallet: 'alipay' | 'wechat' | undefined): Promise<ReconciliationReportObject[]> {
  const client = clientFor(values);
  const answer = await client.request<{ data: ReconciliationReportObject[] }>('POST', '/v1/reconciliation_reports', { date, ...(wallet ? { wallet } : {}) });
  const modes = new Set(answer.data.map((r) => r.mode));
  if (values.mode && modes.size > 0 && !modes.has(values.mode as 'test' | 'live')) {
    throw new Error(`--mode ${values.mode} does not match the key's mode (${[...modes].join(', ')}); pass a key of that mode`);
  }
  return answer.data;
}

async function runInDatabase(merchantId: string, livemode: boolean, date: string, wallet: 'alipay' | 'wechat' | undefined): Promise<ReconciliationReportObject[]> {
  const config = existingDatabaseConfig();
  const database = await openDatabase(config);
  try {
    return await reconciliationFor(database, config).runNow({ merchantId, livemode }, date, wallet);
  } finally {
    await database.close();
  }
}

const money = (minor: number | null, currency: string | null) => {
  if (minor === null || currency === null || !isCurrency(currency)) return String(minor ?? '');
  const text = formatDecimalAmount(Math.abs(minor), currency as Currency);
  return `${minor < 0 ? '-' : ''}${text} ${currency}`;
};

function printReadable(result: ReturnType<typeof combineReports>, reports: readonly ReconciliationReportObject[]): void {
  console.log(`Reconciliation of ${result.date} (China Standard Time)`);
  for (const r of reports) {
    console.log(`  ${r.wallet.padEnd(7)} ${r.id}  matched ${r.matched}, differences ${r.differences.length}`);
  }
  for (const t of result.totals) {
    console.log(`  ${t.currency}: ${t.count} payment(s), gross ${money(t.gross, t.currency)}, refunds ${money(t.refunds, t.currency)}, fees ${money(t.fees, t.currency)}, net ${money(t.net, t.currency)}`);
  }
  for (const d of result.differences) {
    console.log(`  ${d.kind.padEnd(20)} ${d.wallet.padEnd(7)} ${(d.payment ?? d.wallet_trade_no ?? '').padEnd(30)} ${money(d.amount, d.currency).padStart(14)}  repair ${d.repair.padEnd(8)} ${d.detail}`);
  }
  console.log(
    result.differences.length === 0
      ? `every line matched (${result.matched})`
      : `${result.matched} matched, ${result.differences.length} difference(s), ${result.unrepaired === 0 ? 'all repaired' : `${result.unrepaired} need a person`}`,
  );
}

/** Compares the gateway's payments and refunds with the simulator's ledger; exits 1 on any mismatch. */
export async function reconcileAgainstSim(values: { json?: boolean | undefined; 'against-sim'?: boolean | undefined }): Promise<number> {
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
