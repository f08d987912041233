import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Everything the gateway reads from the environment (CONTRACT.md), parsed once. */
export interface GatewayConfig {
  host: string;
  port: number;
  /** Public base URL of the gateway (QR URLs, notify URLs given to wallets). */
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** PostgreSQL schema (DATABASE_SCHEMA), e.g. one per test run; default the server's search_path. */
  databaseSchema: string | undefined;
  simUrl: string;
  /** How long a buyer has to confirm (password) before the gateway cancels at the wallet. */
  buyerConfirmDeadlineMs: number;
  /** Timeout of one HTTP call to a wallet; past it the outcome is unknown and resolved by query. */
  walletTimeoutMs: number;
  /** How often the resolver queries each wallet about an unknown outcome. */
  queryIntervalMs: { alipay: number; wechat: number };
  /** Shortest QR expiry accepted (seed 001: 1 minute); tests lower it to see expiry happen. */
  qrMinExpiryS: number;
  /** Default time POST /v1/payments waits for a final status before answering `processing`. */
  defaultWaitMs: number;
  /** How often workers look for due work. */
  workerTickMs: number;
  /** Row claims expire after this long, so another instance continues the work of one that died. */
  leaseMs: number;
  /** Run the background workers in this process (off for tools such as the CLI's merchant commands). */
  runWorkers: boolean;
  /** Seconds between notification retries (PingPong's schedule by default, PROTOCOLS.md §1). */
  notifyRetryScheduleS: number[];
  /** One notification delivery's timeout. */
  notifyTimeoutMs: number;
  logLevel: string;
  /** LOG_FORMAT: `json` (pino's JSON lines, for production log collectors) or `text` (readable lines, the CLI's default). */
  logFormat: 'text' | 'json';
  masterKey: string;
  /** LATE_SUCCESS_CHECKS_MS: after a payment closes, when to ask the wallet again whether the buyer paid anyway (a late success), from the close. */
  lateCheckDelaysMs: number[];
  /**
   * Daily reconciliation: the China hour after which yesterday's statements are fetched (24: never on its
   * own, only when asked), the retry wait, and when "not published" means an empty day.
   */
  reconciliation: { afterHour: number; retryMs: number; emptyAfterHours: number };
}

function logFormatFromEnv(raw: string | undefined): 'text' | 'json' {
  if (raw === undefined || raw === '' || raw === 'text' || raw === 'pretty') return 'text';
  if (raw === 'json') return 'json';
  throw new Error(`LOG_FORMAT must be json or text, got "${raw}"`);
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

/**
 * The master key encrypts stored secrets. `COUNTERPAY_MASTER_KEY` wins (several instances on
 * PostgreSQL must share it); otherwise one is generated once into DATA_DIR/master.key.
 */
export function loadMasterKey(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env.COUNTERPAY_MASTER_KEY) return env.COUNTERPAY_MASTER_KEY;
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch {
    // Another process created it first: use theirs.
    return readFileSync(file, 'utf8').trim();
  }
  return key;
}

/** PingPong's notification retry schedule: 5 s, 5 s, 3 min, 10 min, 20 min, 30 min ×3, 60 min, 3 h ×3. */
export const DEFAULT_NOTIFY_RETRY_SCHEDULE_S = [5, 5, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800];

function parseSchedule(raw: string | undefined): number[] {
  if (!raw) return DEFAULT_NOTIFY_RETRY_SCHEDULE_S;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v < 0)) throw new Error(`NOTIFY_RETRY_SCHEDULE must be comma-separated seconds, got "${raw}"`);
  return values;
}

/** Comma-separated milliseconds, ascending, at most 10 (the follow-up queries must stay bounded). */
function parseDelays(raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  if (raw.trim() === '') return [];
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.length > 10 || values.some((v, i) => !Number.isInteger(v) || v < 0 || (i > 0 && v < values[i - 1]!))) {
    throw new Error(`LATE_SUCCESS_CHECKS_MS must be up to 10 ascending comma-separated milliseconds, got "${raw}"`);
  }
  return values;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  const host = overrides.host ?? env.HOST ?? '127.0.0.1';
  const port = overrides.port ?? intFromEnv(env, 'PORT', 8080);
  const dataDir = resolve(overrides.dataDir ?? env.DATA_DIR ?? './data');
  const simPort = intFromEnv(env, 'SIM_PORT', 8090);
  const config: GatewayConfig = {
    host,
    port,
    publicUrl: env.PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    simUrl: (env.SIM_URL ?? `http://127.0.0.1:${simPort}`).replace(/\/$/, ''),
    buyerConfirmDeadlineMs: intFromEnv(env, 'BUYER_CONFIRM_DEADLINE_S', 60) * 1000,
    walletTimeoutMs: intFromEnv(env, 'WALLET_TIMEOUT_MS', 10_000),
    queryIntervalMs: {
      alipay: intFromEnv(env, 'ALIPAY_QUERY_INTERVAL_MS', 3000),
      wechat: intFromEnv(env, 'WECHAT_QUERY_INTERVAL_MS', 5000),
    },
    // Longer than the buyer's usual password confirmation (~5 s) plus one query interval, so a register's first answer is final.
    defaultWaitMs: intFromEnv(env, 'PAYMENT_WAIT_S', 15) * 1000,
    qrMinExpiryS: intFromEnv(env, 'QR_MIN_EXPIRY_S', 60),
    workerTickMs: intFromEnv(env, 'WORKER_TICK_MS', 500),
    leaseMs: intFromEnv(env, 'WORKER_LEASE_MS', 30_000),
    runWorkers: env.RUN_WORKERS !== 'false',
    notifyRetryScheduleS: parseSchedule(env.NOTIFY_RETRY_SCHEDULE),
    notifyTimeoutMs: intFromEnv(env, 'NOTIFY_TIMEOUT_MS', 10_000),
    logLevel: env.LOG_LEVEL || 'info',
    logFormat: logFormatFromEnv(env.LOG_FORMAT),
    masterKey: '',
    lateCheckDelaysMs: parseDelays(env.LATE_SUCCESS_CHECKS_MS, [3000, 15_000, 60_000]),
    reconciliation: {
      afterHour: intFromEnv(env, 'RECONCILE_AFTER_HOUR', 10),
      retryMs: intFromEnv(env, 'RECONCILE_RETRY_S', 1800) * 1000,
      emptyAfterHours: intFromEnv(env, 'RECONCILE_EMPTY_AFTER_HOURS', 12),
    },
    ...overrides,
  };
  config.masterKey = overrides.masterKey ?? loadMasterKey(env, config.dataDir);
  return config;
}
