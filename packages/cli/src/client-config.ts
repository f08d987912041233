import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type GatewayConfig, loadConfig } from '@counterpay/gateway';

/**
 * The configuration of a command that only talks to a server (pay, refund, status, sim register, …):
 * it needs no master key, so it never creates DATA_DIR or DATA_DIR/master.key, whether it works or fails.
 */
export function clientConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig(env, { masterKey: '' });
}

/**
 * The configuration of a command that works on the merchants' existing database (wallets, reconcile):
 * with no database there yet it fails before writing anything (no empty database, no master key).
 */
export function existingDatabaseConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const { databaseUrl, dataDir } = clientConfig(env);
  // counterpay.db: the SQLite file connectDatabase opens in DATA_DIR.
  if (!databaseUrl && !existsSync(join(dataDir, 'counterpay.db'))) {
    throw new Error(`no database in ${dataDir}: run \`counterpay start\` (or \`counterpay merchants create\`) first, or set DATA_DIR or DATABASE_URL to where it is`);
  }
  return loadConfig(env);
}
