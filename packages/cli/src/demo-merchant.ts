import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MerchantCredentials } from '@counterpay/gateway';

/** The demo merchant's credentials are kept in DATA_DIR so later CLI commands can use them. */
export function demoMerchantFile(dataDir: string): string {
  return join(dataDir, 'demo-merchant.json');
}

export function readDemoMerchant(dataDir: string): MerchantCredentials | null {
  const file = demoMerchantFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as MerchantCredentials) : null;
}

export function writeDemoMerchant(dataDir: string, credentials: MerchantCredentials): void {
  writeFileSync(demoMerchantFile(dataDir), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}
