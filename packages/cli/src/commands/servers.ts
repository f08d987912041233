import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CA_CERT_FILE, SimTls, startSimulator } from '@counterpay/walletsim';
import { type GatewayConfig, type RunningGateway, loadConfig, startGateway } from '@counterpay/gateway';
import { credentialLines } from '../credentials-text.ts';
import { readDemoMerchant, writeDemoMerchant } from '../demo-merchant.ts';
import { logOutcomes } from '../outcome-lines.ts';
import { terminalLogger } from '../terminal-log.ts';
import { ensureWebScreens } from '../web-screens.ts';

/** This CLI's entry point, so the banner's commands run from any directory (`npx counterpay` works only inside the repository). */
const BIN = fileURLToPath(new URL('../../bin/counterpay.js', import.meta.url));

type Closer = { close(): Promise<void> };

/** Stops servers cleanly on Ctrl-C / SIGTERM so the database is closed properly. */
function closeOnSignal(servers: Closer[]): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`\n${signal}: stopping…`);
    Promise.all(servers.map((s) => s.close())).finally(() => process.exit(0));
  };
  // `on`, not `once`: a second signal (Ctrl-C reaches a restarted child twice) must not cut the shutdown short.
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** `sim --tls` or SIM_TLS=1: the simulator serves HTTPS with its own CA, kept in DATA_DIR. */
export function simTlsRequested(flag = false): boolean {
  return flag || ['1', 'true', 'yes'].includes((process.env.SIM_TLS ?? '').toLowerCase());
}

/** Where the CLI and the gateway reach the simulator: SIM_URL, else the local one (https with SIM_TLS). */
export function simulatorUrl(config: GatewayConfig, tls = simTlsRequested()): string {
  return (process.env.SIM_URL || !tls) ? config.simUrl : config.simUrl.replace(/^http:/, 'https:');
}

async function runSimulator(tls: boolean): Promise<Closer & { url: string }> {
  const config = loadConfig();
  const port = Number(process.env.SIM_PORT ?? 8090);
  return startSimulator({ host: config.host, port, dbFile: join(config.dataDir, 'walletsim.db'), tls, caDir: config.dataDir });
}

export async function sim(options: { tls?: boolean | undefined } = {}): Promise<number> {
  const tls = simTlsRequested(options.tls);
  const simulator = await runSimulator(tls);
  console.log(`Wallet simulator listening on ${simulator.url} (Alipay ${simulator.url}/gateway.do, WeChat Pay v2 ${simulator.url}/pay/…)`);
  if (tls) {
    const caFile = join(loadConfig().dataDir, CA_CERT_FILE);
    console.log(`TLS: clients trust the simulator's CA ${caFile} (e.g. NODE_EXTRA_CA_CERTS=${caFile});`);
    console.log('WeChat Pay /secapi/ calls need the client certificate `counterpay sim register --json` prints.');
  }
  closeOnSignal([simulator]);
  return 0;
}

/** Gateway only; with SIM_TLS it reaches a `counterpay sim --tls` sharing DATA_DIR over HTTPS, trusting its CA. */
export async function serve(): Promise<number> {
  if (simTlsRequested()) {
    const exitCode = await restartTrustingSimulatorCa(loadConfig());
    if (exitCode !== null) return exitCode;
  }
  await ensureWebScreens();
  const gateway = await listening('gateway', process.env.PORT ?? '8080', () => startGateway({ logger: terminalLogger(loadConfig()) }));
  logOutcomes(gateway.services, gateway.app.log);
  console.log(`counterpay gateway listening on ${gateway.url} (${gateway.services.databaseLocation})`);
  console.log(`Cash register ${gateway.url}/pos, merchant dashboard ${gateway.url}/dashboard`);
  closeOnSignal([gateway]);
  return 0;
}

/** Starts a server; a busy port becomes an error that names the port and the variable that moves it. */
async function listening<T>(what: string, port: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    const variable = what === 'gateway' ? 'PORT' : 'SIM_PORT';
    throw new Error(`the ${what}'s port ${port} is already in use (another counterpay running?); stop it or choose another with ${variable}=…`);
  }
}

/** Both servers, plus a demo merchant made on the first start (its keys are printed every start). */
export async function start(): Promise<number> {
  const tls = simTlsRequested();
  if (tls) {
    const exitCode = await restartTrustingSimulatorCa(loadConfig());
    if (exitCode !== null) return exitCode;
  }
  await ensureWebScreens();
  const simulator = await listening('wallet simulator', process.env.SIM_PORT ?? '8090', () => runSimulator(tls));
  let gateway: RunningGateway;
  try {
    gateway = await listening('gateway', process.env.PORT ?? '8080', () => startGateway({ logger: terminalLogger(loadConfig()) }));
  } catch (error) {
    // Stop what was started, so the command exits instead of hanging on the simulator.
    await simulator.close();
    throw error;
  }
  closeOnSignal([gateway, simulator]);
  printBanner(gateway, simulator.url, await ensureDemoMerchant(gateway));
  // After the banner: one readable line per payment and refund outcome from here on.
  logOutcomes(gateway.services, gateway.app.log);
  return 0;
}

/**
 * With SIM_TLS the gateway in this process calls the simulator over HTTPS, so it must trust the
 * simulator's CA; Node reads NODE_EXTRA_CA_CERTS only when a process starts. So the first time round
 * `start` (or `serve`) makes or loads the CA in DATA_DIR and runs itself again with NODE_EXTRA_CA_CERTS
 * (and SIM_URL) set, and waits for that child. Null when this process already trusts the CA.
 */
async function restartTrustingSimulatorCa(config: GatewayConfig): Promise<number | null> {
  const caPem = SimTls.open(config.dataDir).caPem;
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const extraPem = extra && existsSync(extra) ? readFileSync(extra, 'utf8') : '';
  if (extraPem.includes(caPem.trim())) return null;
  let trustFile = join(config.dataDir, CA_CERT_FILE);
  if (extraPem) {
    // Keep the CAs the user already trusts: one bundle with theirs and the simulator's.
    trustFile = join(config.dataDir, 'sim-ca-bundle.pem');
    writeFileSync(trustFile, `${extraPem.trimEnd()}\n${caPem}`);
  }
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: trustFile, SIM_URL: simulatorUrl(config, true) },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function ensureDemoMerchant(gateway: RunningGateway) {
  const { dataDir } = gateway.services.config;
  const existing = readDemoMerchant(dataDir);
  if (existing) return { credentials: existing, created: false };
  const credentials = await gateway.services.merchants.createMerchant({ name: 'Demo Shop', currency: 'CNY' });
  writeDemoMerchant(dataDir, credentials);
  return { credentials, created: true };
}

/** A word as a POSIX shell reads it back: as is when plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function printBanner(gateway: RunningGateway, simUrl: string, demo: Awaited<ReturnType<typeof ensureDemoMerchant>>): void {
  const { credentials } = demo;
  const url = gateway.url;
  // The commands name the CLI by its path and carry the gateway's URL and the demo key, so they work as
  // pasted into any terminal: whatever its directory, without this shell's PORT or DATA_DIR.
  const counterpay = `node ${shellWord(BIN)}`;
  const target = `--url ${shellWord(url)} --key ${shellWord(credentials.secret_key)}`;
  console.log(`
counterpay is running
  gateway            ${url}   (API docs ${url}/docs, OpenAPI ${url}/openapi.json)
  cash register      ${url}/pos   (sign in with the secret key below, store ${credentials.store_id}, terminal ${credentials.terminal_id})
  dashboard          ${url}/dashboard   (sign in with the secret key below)
  wallet simulator   ${simUrl}   (Alipay ${simUrl}/gateway.do, WeChat Pay ${simUrl}/pay/…)
  consumer app       ${simUrl}/app   (show a payment code, scan and pay QR codes; password 123456)
  database           ${gateway.services.databaseLocation}

Demo merchant ${credentials.merchant_id}${demo.created ? ' (created now)' : ''}; test credentials (also in ${gateway.services.config.dataDir}/demo-merchant.json):
${credentialLines(credentials, 'test').join('\n')}${credentials.live_secret_key ? `
  live secret key    ${credentials.live_secret_key}   (live mode: connect the merchant's wallets first, README "Going live")` : ''}

Try it from any terminal (test codes: 280000000000000001 Alipay, 130000000000000001 WeChat Pay succeed at once):
  ${counterpay} pay --amount 100 --currency CNY --barcode 280000000000000001 ${target}
  ${counterpay} pay --amount 100 --qr any ${target}
  curl -s ${url}/v1/payments -H 'Authorization: Bearer ${credentials.secret_key}' \\
       -H 'Content-Type: application/json' \\
       -d '{"amount":100,"currency":"CNY","merchant_order_id":"order-1","barcode":"130000000000000001"}'
  ${counterpay} refund PAYMENT_ID --amount 50 ${target}
Press Ctrl-C to stop.`);
}
