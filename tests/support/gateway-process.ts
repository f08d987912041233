import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../packages/cli/bin/counterpay.js', import.meta.url));

/** A free loopback port (the OS picks it; we release it for the child to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Compressed timings for gateway processes in fault and crash suites. */
export const FAST_ENV = {
  BUYER_CONFIRM_DEADLINE_S: '3',
  WALLET_TIMEOUT_MS: '1000',
  ALIPAY_QUERY_INTERVAL_MS: '300',
  WECHAT_QUERY_INTERVAL_MS: '300',
  WORKER_TICK_MS: '100',
  WORKER_LEASE_MS: '5000',
  LOG_LEVEL: 'warn',
};

/** A real gateway process (`counterpay serve`), so tests can kill -9 it. */
export class GatewayProcess {
  child: ChildProcess | undefined;
  readonly url: string;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(timeoutMs = 20_000): Promise<void> {
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: { ...process.env, ...FAST_ENV, HOST: '127.0.0.1', PORT: String(this.port), ...this.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}: ${stderr}`);
      try {
        const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`gateway did not start within ${timeoutMs} ms: ${stderr}`);
  }

  /** kill -9: no shutdown hook runs, exactly like a crash. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    await this.kill9();
  }
}
