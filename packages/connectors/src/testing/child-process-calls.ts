import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WalletCallRecord, WalletCredentials } from '@counterpay/core';

/**
 * Runs connector calls in a fresh Node process started with NODE_EXTRA_CA_CERTS, the only way a
 * process comes to trust a test CA (Node reads the variable once, at start-up). The canned wallets stay
 * in the test's process; each step's result (Dates as ISO text) and call records come back as JSON.
 */
export type ChildStep =
  | { call: 'post'; url: string; body?: string; timeoutMs: number; clientIdentity?: { cert: string; key: string } }
  | {
      call: 'connector';
      wallet: 'alipay' | 'wechat';
      /** The connector's own URL (gateway URL / base URL), used when the account names none. */
      url: string;
      timeoutMs: number;
      credentials: WalletCredentials;
      method: 'pay' | 'createQr' | 'query' | 'cancel' | 'close' | 'refund' | 'queryRefund' | 'verifyAccount';
      args: unknown[];
    };

export interface ChildResult {
  result: unknown;
  calls: WalletCallRecord[];
}

const MAIN = fileURLToPath(new URL('./child-process-main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export async function runWithExtraCa(caPem: string, steps: ChildStep[]): Promise<ChildResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'counterpay-ca-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, caPem);
  try {
    const output = await run(caFile, JSON.stringify(steps));
    return JSON.parse(output) as ChildResult[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(caFile: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN], { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`child exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}
