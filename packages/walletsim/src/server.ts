import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { AlipayCertificates } from './alipay/alipay-certificates.ts';
import { newRsaKeyPair } from './alipay/alipay-crypto.ts';
import { alipayGateway } from './alipay/alipay-gateway.ts';
import { adminRoutes, createConsumer } from './admin-routes.ts';
import { type FaultRule, Faults, parseFaultRules } from './faults.ts';
import type { SimContext } from './sim-context.ts';
import { SimStore } from './store.ts';
import { WalletBook } from './wallet-book.ts';
import { wechatApi } from './wechat/wechat-api.ts';
import { Notifier } from './notifier.ts';
import { consumerApp } from './consumer-app.ts';
import { SimTls } from './certificates/sim-tls.ts';
import { drainOversizedBodies } from './body-limit.ts';
import { DEFAULT_FEE_RATE_PPM, parseFeeRate } from './statements/fees.ts';
import { BillFiles, billFileRoutes } from './statements/bill-files.ts';

export interface SimulatorOptions {
  /** SQLite file for the simulator's state; `:memory:` (default) keeps nothing. */
  dbFile?: string;
  /** Test code 2 and large amounts: the buyer confirms this long after the payment starts. */
  confirmDelayMs?: number;
  /** Test code 7: how long after the acknowledged cancel the payment is recorded anyway (SIM_LATE_PAY_DELAY_MS, 1000). */
  latePayDelayMs?: number;
  /** Test code 6: how long the first answer is held. */
  lostAnswerDelayMs?: number;
  faults?: FaultRule[];
  /** Delays between retries of an unacknowledged merchant notification. */
  notifyRetryMs?: number[];
  logger?: boolean | { level: string };
  /** Serve HTTPS with a certificate from the simulator's own CA, and check client certificates on /secapi/. */
  tls?: boolean;
  /** Where the CA is kept (`sim-ca.pem`, `sim-ca-key.pem`; DATA_DIR for the CLI); without it, a new CA each run. */
  caDir?: string;
  /** Each wallet's service fee per trade, e.g. `0.6%` (SIM_FEE_RATE_ALIPAY, SIM_FEE_RATE_WECHAT; default 0.6%). */
  feeRates?: { alipay?: string; wechat?: string };
}

export interface RunningSimulator {
  /** `https://…` when serving TLS. */
  url: string;
  app: FastifyInstance;
  sim: SimContext;
  close(): Promise<void>;
}

/** A wallet's fee rate from the options, else its environment variable, else 0.6%; a bad rate stops start-up. */
function feeRate(name: string, option: string | undefined): number {
  const text = option ?? process.env[name];
  if (text === undefined || text === '') return DEFAULT_FEE_RATE_PPM;
  const ppm = parseFeeRate(text);
  if (ppm === null) throw new Error(`${name} must be a rate such as 0.6% or 0.006 (from 0 to 100%), not ${JSON.stringify(text)}`);
  return ppm;
}

function envMs(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return process.env[name] && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** Builds the simulator (routes and state) without listening. */
export async function buildSimulator(options: SimulatorOptions = {}): Promise<{ app: FastifyInstance; sim: SimContext; setBaseUrl(url: string): void }> {
  const store = new SimStore(options.dbFile ?? ':memory:');
  const faults = new Faults();
  faults.rules = options.faults ?? (process.env.SIM_FAULTS ? parseFaultRules(JSON.parse(process.env.SIM_FAULTS)) : []);
  let baseUrl = 'http://127.0.0.1:8090';
  let fallbackKey: string | undefined;
  let alipayCertificates: AlipayCertificates | undefined;
  const tls = options.tls ? SimTls.open(options.caDir ?? null) : null;
  const sim: SimContext = {
    store,
    book: new WalletBook(store, {
      confirmDelayMs: options.confirmDelayMs ?? envMs('SIM_CONFIRM_DELAY_MS', 5000),
      passwordAboveFen: 200_000,
      latePayDelayMs: options.latePayDelayMs ?? envMs('SIM_LATE_PAY_DELAY_MS', 1000),
      onLatePaid: (trade) => sim.notifier.paid(trade),
    }),
    faults,
    notifier: new Notifier(store, faults, options.notifyRetryMs),
    lostAnswerDelayMs: options.lostAnswerDelayMs ?? envMs('SIM_LOST_ANSWER_DELAY_MS', 30_000),
    baseUrl: () => baseUrl,
    fallbackPlatformKey: () => (fallbackKey ??= newRsaKeyPair().privateKey),
    alipayCertificates: () => (alipayCertificates ??= AlipayCertificates.load(store)),
    tls,
    feeRates: { alipay: feeRate('SIM_FEE_RATE_ALIPAY', options.feeRates?.alipay), wechat: feeRate('SIM_FEE_RATE_WECHAT', options.feeRates?.wechat) },
    billFiles: new BillFiles(),
  };
  if (store.consumers.size === 0) {
    createConsumer(sim, { name: 'Li Wei', balances: { CNY: 1_000_000, HKD: 200_000 } });
    createConsumer(sim, { name: 'Chan Tai Man', balances: { CNY: 100_000, HKD: 1_000_000 } });
    createConsumer(sim, { name: 'Zhang Min', balances: { CNY: 500, HKD: 0 } });
  }
  // Closing drops every connection: a simulator holding answers (faults, test code 6) must not delay shutdown.
  const common = { logger: options.logger ?? false, bodyLimit: 256 * 1024, forceCloseConnections: true };
  // One route set serves both schemes; only the server underneath differs.
  const app = (tls ? Fastify({ ...common, https: tls.serverOptions() }) : Fastify(common)) as unknown as FastifyInstance;
  drainOversizedBodies(app);
  await app.register(formbody);
  await app.register(adminRoutes(sim));
  await app.register(alipayGateway(sim));
  await app.register(wechatApi(sim));
  await app.register(consumerApp(sim));
  await app.register(billFileRoutes(sim));
  app.addHook('onClose', async () => {
    sim.notifier.close();
    store.close();
  });
  return { app, sim, setBaseUrl: (url) => void (baseUrl = url) };
}

export async function startSimulator(options: SimulatorOptions & { host?: string; port?: number } = {}): Promise<RunningSimulator> {
  const { app, sim, setBaseUrl } = await buildSimulator(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 8090 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `${sim.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  setBaseUrl(url);
  return { url, app, sim, close: () => app.close() };
}
