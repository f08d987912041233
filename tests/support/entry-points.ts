/**
 * Every call the end-to-end harness makes into the gateway and the simulator, and nothing else. The
 * gateway's insides move (SQL into repositories); when one of these names changes, this file is the
 * one to fix. Suites and the rest of tests/support reach the gateway only through here or over HTTP.
 */
import type { TestDatabase } from '@counterpay/db/test-databases';
import { type MerchantCredentials, type ReconciliationReport, type RunningGateway, type WalletLedger, createMerchant, reconcile, startGateway } from '@counterpay/gateway';
import { type RunningSimulator, startSimulator } from '@counterpay/walletsim';
import type { TestTimings } from './timings.ts';

export type { FaultRule, MerchantRegistration, RunningSimulator } from '@counterpay/walletsim';
export { CA_CERT_FILE } from '@counterpay/walletsim';
export type { MerchantCredentials, ReconciliationReport, RunningGateway };

/** The test database's query builder: the one door tests use to assert (or age) stored state. */
export type TestDb = TestDatabase['handle']['db'];
type TestDatabaseHandle = TestDatabase['handle'];

/** The wallet simulator on a loopback port the OS picks, with the table's buyer and lost-answer delays. */
export function startTestSimulator(timings: TestTimings): Promise<RunningSimulator> {
  return startSimulator({ host: '127.0.0.1', port: 0, confirmDelayMs: timings.simConfirmDelayMs, lostAnswerDelayMs: timings.simLostAnswerDelayMs, logger: false });
}

/** The simulator over HTTPS with its own CA in `caDir` (sim-ca.pem): the "real wallets" of live-mode tests. */
export function startTlsSimulator(timings: TestTimings, caDir: string): Promise<RunningSimulator> {
  return startSimulator({ host: '127.0.0.1', port: 0, tls: true, caDir, confirmDelayMs: timings.simConfirmDelayMs, lostAnswerDelayMs: timings.simLostAnswerDelayMs, logger: false });
}

/** A gateway in this process over an already open test database, configured by `env` alone. */
export function startInProcessGateway(env: Record<string, string>, database: TestDatabase): Promise<RunningGateway> {
  return startGateway({ env, database: database.handle });
}

/** A merchant with its native, PingPong, ScanForPay and Omise credentials, written straight to the database. */
export function createTestMerchant(database: TestDatabaseHandle, masterKey: string, name: string): Promise<MerchantCredentials> {
  return createMerchant(database, masterKey, { name, currency: 'CNY' });
}

/** The gateway's books against the wallets' (the simulator's ledger). */
export function reconcileBooks(database: TestDatabaseHandle, masterKey: string, ledger: WalletLedger): Promise<ReconciliationReport> {
  return reconcile(database, masterKey, ledger);
}
