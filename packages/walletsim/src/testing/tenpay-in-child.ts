import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);
const tenpayPath = createRequire(import.meta.url).resolve('tenpay');

/** The WeChat Pay v2 paths the simulator serves, by the names tenpay keeps its URLs under. */
export const TENPAY_PATHS: Record<string, string> = {
  micropay: '/pay/micropay',
  orderquery: '/pay/orderquery',
  reverse: '/secapi/pay/reverse',
  refund: '/secapi/pay/refund',
  refundquery: '/pay/refundquery',
  closeorder: '/pay/closeorder',
  unifiedorder: '/pay/unifiedorder',
  downloadbill: '/pay/downloadbill',
};

export interface TenpayCall {
  baseUrl: string;
  config: { appid: string; mchid: string; partnerKey: string };
  /** Base64 of the PKCS#12 client certificate (tenpay's `pfx`; its password is the mch id). */
  p12?: string;
  method: 'micropay' | 'orderQuery' | 'reverse' | 'refund' | 'refundQuery';
  params: Record<string, unknown>;
}

// tenpay's HTTP client (urllib 2) takes no CA option, so the child trusts the simulator's CA the way a
// merchant's process would: NODE_EXTRA_CA_CERTS, read by Node at start-up.
const SCRIPT = `
const Tenpay = require(process.env.TENPAY_PATH);
const call = JSON.parse(process.env.TENPAY_CALL);
const client = new Tenpay({ ...call.config, ...(call.p12 ? { pfx: Buffer.from(call.p12, 'base64') } : {}) });
for (const [name, path] of Object.entries(call.paths)) client.urls[name] = call.baseUrl + path;
client[call.method](call.params).then(
  (answer) => process.stdout.write(JSON.stringify({ answer })),
  (error) => process.stdout.write(JSON.stringify({ error: error.message })),
);`;

/**
 * Runs one tenpay call in a child process that trusts `caFile`: the answer tenpay verified, or the
 * message of the error it threw (a FAIL return_msg, an err_code, a TLS failure).
 */
export async function tenpayInChild(caFile: string, call: TenpayCall): Promise<{ answer?: Record<string, string>; error?: string }> {
  const { stdout } = await run(process.execPath, ['-e', SCRIPT], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, TENPAY_PATH: tenpayPath, TENPAY_CALL: JSON.stringify({ ...call, paths: TENPAY_PATHS }) },
    timeout: 30_000,
  });
  return JSON.parse(stdout) as { answer?: Record<string, string>; error?: string };
}
