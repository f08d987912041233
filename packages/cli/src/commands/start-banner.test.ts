import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `counterpay start` as a newcomer meets it: started with DATA_DIR and PORT set, its banner's commands
 * pasted into another shell (another directory, none of those variables), its terminal output read.
 */
const BIN = fileURLToPath(new URL('../../bin/counterpay.js', import.meta.url));
const TIMEOUT_MS = 60_000;
/** Variables the "other shell" does not have. */
const START_ONLY = ['DATA_DIR', 'PORT', 'SIM_PORT', 'HOST', 'SIM_URL', 'SIM_TLS', 'DATABASE_URL', 'NODE_EXTRA_CA_CERTS', 'COUNTERPAY_URL', 'COUNTERPAY_API_KEY', 'LOG_LEVEL', 'LOG_FORMAT'];

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of START_ONLY) delete env[name];
  return { ...env, ...extra };
}

async function freePort(): Promise<number> {
  const server: Server = createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Started {
  child: ChildProcess;
  dataDir: string;
  output: () => string;
  banner: string;
}

/** Starts `counterpay start` with DATA_DIR, PORT and SIM_PORT set, and waits for its banner. */
async function startCounterpay(extra: Record<string, string> = {}): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'counterpay-banner-'));
  const env = cleanEnv({ DATA_DIR: dataDir, PORT: String(await freePort()), SIM_PORT: String(await freePort()), ...extra });
  const child = spawn(process.execPath, [BIN, 'start'], { env, cwd: mkdtempSync(join(tmpdir(), 'counterpay-start-cwd-')), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within ${TIMEOUT_MS} ms: ${output}`)), TIMEOUT_MS);
    const check = () => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`counterpay start exited (${code}): ${output}`)));
  });
  return { child, dataDir, output: () => output, banner };
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started) return;
  if (started.child.exitCode === null) {
    const exited = new Promise((resolve) => started.child.once('exit', resolve));
    started.child.kill('SIGTERM');
    await exited;
  }
  rmSync(started.dataDir, { recursive: true, force: true });
}

/** Runs a command line through a shell, as pasted into a terminal, in `cwd` with the other shell's environment. */
function paste(line: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', line], { cwd, env: cleanEnv(), timeout: TIMEOUT_MS }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function eventually(read: () => string, pattern: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  const until = Date.now() + ms;
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    if (Date.now() > until) throw new Error(`no ${pattern} within ${ms} ms in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The banner line that runs `counterpay SUBCOMMAND` (the commands are indented under "Try it"). */
function commandLine(banner: string, subcommand: string): string {
  const line = banner.split('\n').find((l) => new RegExp(`counterpay(\\.js)?'? ${subcommand} `).test(l));
  if (!line) throw new Error(`no \`counterpay ${subcommand}\` line in the banner:\n${banner}`);
  return line.trim();
}

describe('counterpay start: the banner and the terminal output', () => {
  let started: Started;
  let elsewhere: string;
  beforeAll(async () => {
    elsewhere = mkdtempSync(join(tmpdir(), 'counterpay-elsewhere-'));
    started = await startCounterpay();
  }, TIMEOUT_MS + 10_000);
  afterAll(async () => {
    await stop(started);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it("prints commands that work as pasted into another shell, and one readable line per payment and refund outcome", { timeout: 3 * TIMEOUT_MS }, async () => {
    const pay = await paste(commandLine(started.banner, 'pay'), elsewhere);
    expect(pay.stderr + pay.stdout).not.toContain('cannot reach');
    expect(pay.code, pay.stderr).toBe(0);
    const paymentId = /(pay_\w+)\s+succeeded/.exec(pay.stdout)?.[1];
    expect(paymentId, pay.stdout).toBeDefined();
    // The other shell's directory got nothing (no ./data, no master.key).
    expect(readdirSync(elsewhere)).toEqual([]);
    await eventually(started.output, new RegExp(`^\\d\\d:\\d\\d:\\d\\d payment ${paymentId} succeeded\\s+CNY 1\\.00 alipay barcode$`, 'm'));

    const refundLine = commandLine(started.banner, 'refund');
    expect(refundLine).toContain('PAYMENT_ID');
    const refund = await paste(refundLine.replace('PAYMENT_ID', paymentId!), elsewhere);
    expect(refund.code, refund.stderr).toBe(0);
    const refundId = /(re_\w+)/.exec(refund.stdout)?.[1];
    await eventually(started.output, new RegExp(`^\\d\\d:\\d\\d:\\d\\d refund ${refundId} succeeded\\s+CNY 0\\.50 for ${paymentId}$`, 'm'));
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('prints every credential a dialect client needs', () => {
    const demo = JSON.parse(readFileSync(join(started.dataDir, 'demo-merchant.json'), 'utf8'));
    for (const value of [demo.secret_key, demo.omise.secretKey, demo.pingpong.accId, demo.pingpong.clientId, demo.pingpong.salt, demo.scanforpay.partnerNo, demo.scanforpay.signKey, demo.scanforpay.storeNo, demo.webhook_secret]) {
      expect(started.banner).toContain(value);
    }
    expect(started.banner).toMatch(/clientId\s+\d+/);
    expect(started.banner).toMatch(/storeNo\s+\d+/);
  });

  it('cancels a waiting `pay --qr` on Ctrl-C; its QR code expires after 300 s by default', { timeout: 2 * TIMEOUT_MS }, async () => {
    const url = /--url (\S+)/.exec(commandLine(started.banner, 'pay'))![1]!;
    const key = /--key (\S+)/.exec(commandLine(started.banner, 'pay'))![1]!;
    const child = spawn(process.execPath, [BIN, 'pay', '--amount', '250', '--qr', 'any', '--url', url, '--key', key], { cwd: elsewhere, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const paymentId = (await eventually(() => output, /(pay_\w+) processing/))[1]!;
    const get = async () => (await fetch(`${url}/v1/payments/${paymentId}`, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<{ status: string; expires_at: string; created_at: string }>;
    const created = await get();
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBeGreaterThanOrEqual(299_000);
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBeLessThanOrEqual(301_000);

    child.kill('SIGINT');
    const code = await exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toMatch(new RegExp(`${paymentId} cancelled`));
    expect((await get()).status).toBe('closed');
    await eventually(started.output, new RegExp(`^\\d\\d:\\d\\d:\\d\\d payment ${paymentId} closed\\s+CNY 2\\.50`, 'm'));
  });

  it('shows no raw JSON logs and no request logs by default', () => {
    expect(started.output()).not.toContain('{"level"');
    expect(started.output()).not.toContain('incoming request');
    expect(started.output()).not.toContain('request completed');
  });
});

describe('counterpay start with LOG_FORMAT=json', () => {
  let started: Started | undefined;
  afterAll(() => stop(started));

  it('logs JSON lines (pino), outcome lines included', { timeout: 2 * TIMEOUT_MS }, async () => {
    started = await startCounterpay({ LOG_FORMAT: 'json' });
    const pay = await paste(commandLine(started.banner, 'pay'), tmpdir());
    expect(pay.code, pay.stderr).toBe(0);
    const paymentId = /(pay_\w+)\s+succeeded/.exec(pay.stdout)![1]!;
    const line = (await eventually(started.output, new RegExp(`^\\{.*"payment":"${paymentId}".*\\}$`, 'm')))[0];
    expect(JSON.parse(line)).toMatchObject({ level: 30, payment: paymentId, status: 'succeeded', msg: expect.stringContaining(`payment ${paymentId} succeeded`) });
  });
});

describe('a client command that fails', () => {
  it('writes nothing: no ./data, no master.key', { timeout: TIMEOUT_MS }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'counterpay-failed-'));
    try {
      const noKey = await paste(`'${process.execPath}' '${BIN}' status pay_x`, cwd);
      expect(noKey.code).toBe(1);
      expect(noKey.stderr).toContain('no API key');
      const unreachable = await paste(`'${process.execPath}' '${BIN}' status pay_x --key sk_test_x --url http://127.0.0.1:9`, cwd);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain('cannot reach');
      for (const args of ['wallets list --merchant mer_x', 'reconcile --against-sim']) {
        const noDatabase = await paste(`'${process.execPath}' '${BIN}' ${args}`, cwd);
        expect(noDatabase.code, args).toBe(1);
        expect(noDatabase.stderr).toContain('no database in');
      }
      expect(existsSync(join(cwd, 'data'))).toBe(false);
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
