import { SecretBox } from '@counterpay/core';
import type { DatabaseHandle } from '@counterpay/db';
import { openTestDatabase, type TestDatabaseKind } from '@counterpay/db/test-databases';
import { type GatewayConfig, type MerchantCredentials, type RunningGateway, createLogger, createMerchant, startGateway } from '@counterpay/gateway';
import { startSimulator } from '@counterpay/walletsim';

/** Compressed timings: the contract's seconds become fractions so suites stay short. */
export const FAST_TIMINGS = {
  confirmDelayMs: 1200,
  lostAnswerDelayMs: 2500,
  walletTimeoutMs: 800,
  buyerConfirmDeadlineMs: 3000,
  queryIntervalMs: 250,
};

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export interface Ledger {
  charges: Array<{ wallet: string; merchant: string; outTradeNo: string; tradeNo: string; amount: number; currency: string; status: string }>;
  refunds: Array<{ wallet: string; merchant: string; outTradeNo: string; outRefundNo: string; amount: number; currency: string }>;
}

export interface Harness {
  gateway: RunningGateway;
  simUrl: string;
  database: DatabaseHandle;
  merchant: MerchantCredentials;
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  ledger(): Promise<Ledger>;
  close(): Promise<void>;
}

/** Starts the real wallet simulator and gateway on loopback ports, with one merchant. */
export async function startHarness(kind: TestDatabaseKind, config: Partial<GatewayConfig> = {}): Promise<Harness> {
  const sim = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    confirmDelayMs: FAST_TIMINGS.confirmDelayMs,
    lostAnswerDelayMs: FAST_TIMINGS.lostAnswerDelayMs,
    logger: false,
  });
  const { handle: database, cleanup } = await openTestDatabase(kind);
  const gateway = await startGateway({
    env: {},
    database,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    config: {
      host: '127.0.0.1',
      port: 0,
      dataDir: '/tmp/counterpay-test-data',
      simUrl: sim.url,
      masterKey: 'test-master-key',
      walletTimeoutMs: FAST_TIMINGS.walletTimeoutMs,
      buyerConfirmDeadlineMs: FAST_TIMINGS.buyerConfirmDeadlineMs,
      queryIntervalMs: { alipay: FAST_TIMINGS.queryIntervalMs, wechat: FAST_TIMINGS.queryIntervalMs },
      workerTickMs: 100,
      defaultWaitMs: 5000,
      ...config,
    },
  });
  const merchant = await createMerchant(database, 'test-master-key', { name: 'Test Shop', currency: 'CNY' });

  async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${merchant.secret_key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
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

  return {
    gateway,
    simUrl: sim.url,
    database,
    merchant,
    api,
    async ledger() {
      const response = await fetch(`${sim.url}/admin/ledger`);
      return (await response.json()) as Ledger;
    },
    async close() {
      await gateway.close();
      await sim.close();
      await cleanup();
    },
  };
}
