import { join } from 'node:path';
import { startSimulator } from '@counterpay/walletsim';
import { type RunningGateway, createMerchant, loadConfig, startGateway } from '@counterpay/gateway';
import { readDemoMerchant, writeDemoMerchant } from '../demo-merchant.ts';

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
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

async function runSimulator(): Promise<Closer & { url: string }> {
  const config = loadConfig();
  const port = Number(process.env.SIM_PORT ?? 8090);
  return startSimulator({ host: config.host, port, dbFile: join(config.dataDir, 'walletsim.db') });
}

export async function sim(): Promise<number> {
  const simulator = await runSimulator();
  console.log(`Wallet simulator listening on ${simulator.url} (Alipay ${simulator.url}/gateway.do, WeChat Pay v2 ${simulator.url}/pay/…)`);
  closeOnSignal([simulator]);
  return 0;
}

export async function serve(): Promise<number> {
  const gateway = await startGateway();
  console.log(`counterpay gateway listening on ${gateway.url} (${gateway.services.database.location})`);
  closeOnSignal([gateway]);
  return 0;
}

/** Both servers, plus a demo merchant made on the first start (its keys are printed every start). */
export async function start(): Promise<number> {
  const simulator = await runSimulator();
  const gateway = await startGateway();
  closeOnSignal([gateway, simulator]);
  printBanner(gateway, simulator.url, await ensureDemoMerchant(gateway));
  return 0;
}

async function ensureDemoMerchant(gateway: RunningGateway) {
  const { dataDir } = gateway.services.config;
  const existing = readDemoMerchant(dataDir);
  if (existing) return { credentials: existing, created: false };
  const credentials = await createMerchant(gateway.services.database.db, gateway.services.box, { name: 'Demo Shop', currency: 'CNY' });
  writeDemoMerchant(dataDir, credentials);
  return { credentials, created: true };
}

function printBanner(gateway: RunningGateway, simUrl: string, demo: Awaited<ReturnType<typeof ensureDemoMerchant>>): void {
  const { credentials } = demo;
  const url = gateway.url;
  console.log(`
counterpay is running
  gateway            ${url}   (API docs ${url}/docs, OpenAPI ${url}/openapi.json)
  wallet simulator   ${simUrl}   (Alipay ${simUrl}/gateway.do, WeChat Pay ${simUrl}/pay/…)
  consumer app       ${simUrl}/app   (show a payment code, scan and pay QR codes; password 123456)
  database           ${gateway.services.database.location}

Demo merchant ${credentials.merchant_id}${demo.created ? ' (created now)' : ''}; test credentials (also in ${gateway.services.config.dataDir}/demo-merchant.json):
  secret key         ${credentials.secret_key}
  Omise secret key   ${credentials.omise.secretKey}
  PingPong           accId ${credentials.pingpong.accId}  salt ${credentials.pingpong.salt}
  ScanForPay         partnerNo ${credentials.scanforpay.partnerNo}  signKey ${credentials.scanforpay.signKey}  storeNo ${credentials.scanforpay.storeNo}
  webhook secret     ${credentials.webhook_secret}

Try it (test codes: 280000000000000001 Alipay, 130000000000000001 WeChat Pay succeed at once):
  npx counterpay pay --amount 100 --currency CNY --barcode 280000000000000001
  curl -s ${url}/v1/payments -H 'Authorization: Bearer ${credentials.secret_key}' \\
       -H 'Content-Type: application/json' \\
       -d '{"amount":100,"currency":"CNY","merchant_order_id":"order-1","barcode":"130000000000000001"}'
  npx counterpay refund <payment id> --amount 50
Press Ctrl-C to stop.`);
}
