/**
 * The end-to-end harness every suite under tests/ starts from: the real wallet simulator, a fresh test
 * database with one merchant, and the gateway — in this process (`startHarness`), or as `counterpay
 * serve` child processes that can be killed with -9 (`startProcessHarness`). Both read one timing
 * table (timings.ts). `close()` stops and deletes everything, and a setup that fails half-way undoes
 * what it had started; call `close()` from `afterAll`, which runs even when a test fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestDatabase, type TestDatabaseKind, openTestDatabase } from '@counterpay/db/test-databases';
import {
  type FaultRule,
  type MerchantCredentials,
  type ReconciliationReport,
  type RunningGateway,
  type TestDb,
  createTestMerchant,
  reconcileBooks,
  startInProcessGateway,
  startTestSimulator,
} from './entry-points.ts';
import { GatewayProcess, freePort } from './gateway-process.ts';
import { type HarnessSettings, type TestTimings, effectiveTimings, gatewayEnvironment } from './timings.ts';

export { TEST_TIMINGS, type HarnessSettings, type TestTimings } from './timings.ts';
export type { GatewayProcess } from './gateway-process.ts';

const MASTER_KEY = 'test-master-key';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export interface ApiOptions {
  /** Another gateway than the first (process mode: any of `gateways`). */
  baseUrl?: string;
  /** Abort the request after this long (it then throws, as a dropped connection does). */
  timeoutMs?: number;
}

export interface Ledger {
  charges: Array<{ wallet: string; merchant: string; outTradeNo: string; tradeNo: string; amount: number; currency: string; status: string }>;
  refunds: Array<{ wallet: string; merchant: string; outTradeNo: string; outRefundNo: string; amount: number; currency: string }>;
}

interface CommonHarness {
  /** The (first) gateway's base URL. */
  url: string;
  simUrl: string;
  /** The suite's merchant ("Test Shop", CNY). */
  merchant: MerchantCredentials;
  /** The timing table with this suite's changes. */
  timings: TestTimings;
  /** The test database, for assertions on stored state: the one way tests read tables directly. */
  db: TestDb;
  /** The native API as the merchant (Bearer secret key); the body is parsed JSON, or the text when it is not JSON. */
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>, options?: ApiOptions): Promise<ApiResponse<T>>;
  /** The simulator's ledger: what the wallets charged and refunded. */
  ledger(): Promise<Ledger>;
  /** The gateway's books against the simulator's ledger. */
  reconcile(): Promise<ReconciliationReport>;
  /** Sets the simulator's fault rules (none: clears them); answers the simulator's HTTP status. */
  setFaults(rules: FaultRule[]): Promise<number>;
  /** Another merchant in the same database. */
  createMerchant(name: string): Promise<MerchantCredentials>;
  close(): Promise<void>;
}

/** The gateway in this process: `gateway.app` for `inject`, `gateway.services` for spies. */
export interface Harness extends CommonHarness {
  gateway: RunningGateway;
}

/** Gateway child processes sharing one database (SQLite file or PostgreSQL schema). */
export interface ProcessHarness extends CommonHarness {
  gateways: GatewayProcess[];
}

/** Starts the simulator, a fresh `kind` database with one merchant, and a gateway in this process. */
export function startHarness(kind: TestDatabaseKind, settings: HarnessSettings = {}): Promise<Harness> {
  return undoOnFailure(async (cleanups) => {
    const base = await prepare(kind, settings, 'memory', cleanups);
    const gateway = await startInProcessGateway(base.env, base.database);
    cleanups.add(() => gateway.close());
    return { ...commonHarness(base, gateway.url, cleanups), gateway };
  });
}

/**
 * Starts the simulator, a fresh `kind` database with one merchant, and `instances` gateway processes
 * (default 1), each on 127.0.0.1 at a port of its own that it keeps across restarts.
 */
export function startProcessHarness(kind: TestDatabaseKind, settings: Omit<HarnessSettings, 'host' | 'port'> & { instances?: number } = {}): Promise<ProcessHarness> {
  return undoOnFailure(async (cleanups) => {
    const base = await prepare(kind, settings, 'file', cleanups);
    const gateways: GatewayProcess[] = [];
    cleanups.add(() => Promise.all(gateways.map((g) => g.stop())));
    for (let i = 0; i < (settings.instances ?? 1); i++) gateways.push(new GatewayProcess(await freePort(), base.env));
    await Promise.all(gateways.map((g) => g.start()));
    return { ...commonHarness(base, gateways[0]!.url, cleanups), gateways };
  });
}

interface Base {
  timings: TestTimings;
  simUrl: string;
  database: TestDatabase;
  merchant: MerchantCredentials;
  env: Record<string, string>;
}

async function prepare(kind: TestDatabaseKind, settings: HarnessSettings, sqlite: 'memory' | 'file', cleanups: Cleanups): Promise<Base> {
  const timings = effectiveTimings(settings);
  const sim = await startTestSimulator(timings);
  cleanups.add(() => sim.close());
  const database = await openTestDatabase(kind, { sqlite });
  cleanups.add(() => database.cleanup());
  // A child process opens a SQLite file in DATA_DIR; otherwise the directory only keeps stray files out of the repository.
  let dataDir = database.connectOptions.dataDir;
  if (!dataDir) {
    const dir = await mkdtemp(join(tmpdir(), 'counterpay-harness-'));
    cleanups.add(() => rm(dir, { recursive: true, force: true }));
    dataDir = dir;
  }
  const postgres = database.pgSchema && database.connectOptions.databaseUrl ? { url: database.connectOptions.databaseUrl, schema: database.pgSchema } : undefined;
  const env = gatewayEnvironment(settings, { simUrl: sim.url, masterKey: MASTER_KEY, dataDir, ...(postgres ? { postgres } : {}) });
  const merchant = await createTestMerchant(database.handle, MASTER_KEY, 'Test Shop');
  return { timings, simUrl: sim.url, database, merchant, env };
}

function commonHarness(base: Base, url: string, cleanups: Cleanups): CommonHarness {
  const db = base.database.handle.db;
  async function ledger(): Promise<Ledger> {
    const response = await fetch(`${base.simUrl}/admin/ledger`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`the simulator's ledger answered HTTP ${response.status}`);
    return (await response.json()) as Ledger;
  }
  return {
    url,
    simUrl: base.simUrl,
    merchant: base.merchant,
    timings: base.timings,
    db,
    api: (method, path, body, headers, options) => callApi(options?.baseUrl ?? url, base.merchant.secret_key, method, path, body, headers, options?.timeoutMs),
    ledger,
    reconcile: async () => reconcileBooks(base.database.handle, MASTER_KEY, await ledger()),
    async setFaults(rules) {
      const response = rules.length
        ? await fetch(`${base.simUrl}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules }) })
        : await fetch(`${base.simUrl}/admin/faults`, { method: 'DELETE' });
      await response.arrayBuffer();
      return response.status;
    },
    createMerchant: (name) => createTestMerchant(base.database.handle, MASTER_KEY, name),
    close: () => cleanups.run(),
  };
}

async function callApi<T>(
  baseUrl: string,
  secretKey: string,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  timeoutMs?: number,
): Promise<ApiResponse<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${secretKey}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    ...(timeoutMs !== undefined ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the assertion message
  }
  return { status: response.status, body: parsed as T };
}

/** Undo steps, run newest first; every step runs even when an earlier one throws. Running twice is a no-op. */
class Cleanups {
  private readonly steps: Array<() => Promise<unknown>> = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several harness cleanups failed');
  }
}

/** Runs a setup; if it throws, whatever it had started is stopped and deleted before the error goes on. */
async function undoOnFailure<T>(setup: (cleanups: Cleanups) => Promise<T>): Promise<T> {
  const cleanups = new Cleanups();
  try {
    return await setup(cleanups);
  } catch (error) {
    await cleanups.run().catch(() => undefined);
    throw error;
  }
}
