/**
 * The one timing table of the end-to-end suites: the contract's seconds become fractions so suites
 * stay short. Both ways of running the gateway (in this process, or as `counterpay serve` children)
 * read their configuration from the same environment, built here by `gatewayEnvironment`, so an
 * in-process suite and a kill -9 suite can never drift apart.
 */
export const TEST_TIMINGS = {
  /** Simulator: how long a buyer takes to confirm with the password (test codes 2). */
  simConfirmDelayMs: 1200,
  /** Simulator: how long a lost first answer (test codes 6) is held; longer than walletTimeoutMs. */
  simLostAnswerDelayMs: 2500,
  /** One wallet call's timeout; past it the outcome is unknown and resolved by query. */
  walletTimeoutMs: 800,
  /** How long a buyer has to confirm before the gateway cancels at the wallet (test codes 5). */
  buyerConfirmDeadlineMs: 3000,
  /** How often the resolver queries a wallet about an unknown outcome (both wallets). */
  queryIntervalMs: 250,
  /** How often the workers look for due work. */
  workerTickMs: 100,
  /** Row claims expire after this long, so a surviving instance continues a killed one's work. */
  workerLeaseMs: 5000,
  /** How long POST /v1/payments waits for a final status by default. */
  paymentWaitMs: 5000,
};

export type TestTimings = typeof TEST_TIMINGS;

/** What a suite may change: any timing, plus its own notification and listening parameters. */
export interface HarnessSettings extends Partial<TestTimings> {
  notifyRetryScheduleS?: number[];
  notifyTimeoutMs?: number;
  /** Shortest QR expiry the gateway accepts (seed 001 says 1 minute; tests lower it). */
  qrMinExpiryS?: number;
  /** More environment for the gateway (e.g. NODE_EXTRA_CA_CERTS, which a child process reads at start-up). */
  extraEnv?: Record<string, string>;
  /** In-process gateway only: listening address; default 127.0.0.1 and a port the OS picks. */
  host?: string;
  port?: number;
}

/** Where a gateway finds its database, simulator and master key. */
export interface GatewayPlace {
  simUrl: string;
  masterKey: string;
  dataDir: string;
  postgres?: { url: string; schema: string };
}

/** The timing table with a suite's changes applied. */
export function effectiveTimings(settings: HarnessSettings): TestTimings {
  const timings = { ...TEST_TIMINGS };
  for (const key of Object.keys(TEST_TIMINGS) as Array<keyof TestTimings>) {
    const value = settings[key];
    if (value !== undefined) timings[key] = value;
  }
  return timings;
}

/** The gateway's environment (CONTRACT.md names), for `startGateway({ env })` and for child processes alike. */
export function gatewayEnvironment(settings: HarnessSettings, place: GatewayPlace): Record<string, string> {
  const t = effectiveTimings(settings);
  const env: Record<string, string> = {
    HOST: settings.host ?? '127.0.0.1',
    PORT: String(settings.port ?? 0),
    SIM_URL: place.simUrl,
    DATA_DIR: place.dataDir,
    COUNTERPAY_MASTER_KEY: place.masterKey,
    BUYER_CONFIRM_DEADLINE_S: String(t.buyerConfirmDeadlineMs / 1000),
    WALLET_TIMEOUT_MS: String(t.walletTimeoutMs),
    ALIPAY_QUERY_INTERVAL_MS: String(t.queryIntervalMs),
    WECHAT_QUERY_INTERVAL_MS: String(t.queryIntervalMs),
    WORKER_TICK_MS: String(t.workerTickMs),
    WORKER_LEASE_MS: String(t.workerLeaseMs),
    PAYMENT_WAIT_S: String(t.paymentWaitMs / 1000),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  };
  if (place.postgres) {
    env.DATABASE_URL = place.postgres.url;
    env.DATABASE_SCHEMA = place.postgres.schema;
  }
  if (settings.notifyRetryScheduleS) env.NOTIFY_RETRY_SCHEDULE = settings.notifyRetryScheduleS.join(',');
  if (settings.notifyTimeoutMs !== undefined) env.NOTIFY_TIMEOUT_MS = String(settings.notifyTimeoutMs);
  if (settings.qrMinExpiryS !== undefined) env.QR_MIN_EXPIRY_S = String(settings.qrMinExpiryS);
  return { ...env, ...settings.extraEnv };
}
