import { type GatewayConfig, loadConfig } from '@counterpay/gateway';

/**
 * The configuration of a command that only talks to a server (pay, refund, status, sim register, …):
 * it needs no master key, so it never creates DATA_DIR or DATA_DIR/master.key, whether it works or fails.
 */
export function clientConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig(env, { masterKey: '' });
}
