/** counterpay's own processes, started the way an operator starts them: through the CLI. */
import { randomBytes } from 'node:crypto';
import { COUNTERPAY_BIN, type Child, runToEnd, startProcess } from './processes.ts';

export const WECHAT_CODE = '130000000000000001';
export const ALIPAY_CODE = '280000000000000001';

export interface Merchant {
  merchant_id: string;
  secret_key: string;
  webhook_secret: string;
}

/** One counterpay deployment's environment: its DATA_DIR (or PostgreSQL schema), master key, quiet logs. */
export function counterpayEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATA_DIR: dataDir, COUNTERPAY_MASTER_KEY: 'bench-master-key-0123456789abcdef', LOG_LEVEL: 'silent', ...extra };
}

export async function createMerchant(env: Record<string, string>): Promise<Merchant> {
  const out = await runToEnd('counterpay merchants create', [COUNTERPAY_BIN, 'merchants', 'create', '--name', 'Bench', '--json'], env);
  return JSON.parse(out) as Merchant;
}

export function startSimulator(env: Record<string, string>): Promise<Child> {
  return startProcess('counterpay sim', [COUNTERPAY_BIN, 'sim'], { env: { ...env, SIM_PORT: '0' } });
}

export function startGateway(env: Record<string, string>, simUrl: string, name = 'counterpay serve'): Promise<Child> {
  return startProcess(name, [COUNTERPAY_BIN, 'serve'], { env: { ...env, PORT: '0', SIM_URL: simUrl } });
}

/** A barcode payment body with a unique merchant_order_id per request. */
export function paymentBody(tag: string, barcode: string): () => string {
  const run = randomBytes(4).toString('hex');
  let n = 0;
  return () => JSON.stringify({ amount: 100 + (n % 900), currency: 'CNY', merchant_order_id: `${tag}-${run}-${n++}`, barcode });
}

export function authHeaders(merchant: Merchant): Record<string, string> {
  return { authorization: `Bearer ${merchant.secret_key}` };
}
