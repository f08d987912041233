import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The CLI as a user runs it: `counterpay sim --tls` in one process, `counterpay sim register` and
 * `counterpay wallets connect|list` in others (trusting the simulator's CA through NODE_EXTRA_CA_CERTS).
 */
const BIN = fileURLToPath(new URL('../../bin/counterpay.js', import.meta.url));
const CLI_TIMEOUT_MS = 60_000;

let dir: string;
let simulator: ChildProcess;
let simUrl: string;

function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, HOST: '127.0.0.1', ...extra };
  for (const name of ['SIM_URL', 'SIM_TLS', 'SIM_PORT', 'NODE_EXTRA_CA_CERTS'] as const) if (!(name in extra)) delete env[name];
  return env;
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: cliEnv(env), timeout: CLI_TIMEOUT_MS }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Starts `counterpay sim --tls` on a free port and reads its URL from the banner (bounded wait). */
function startSimulatorCli(): Promise<string> {
  simulator = spawn(process.execPath, [BIN, 'sim', '--tls'], { env: cliEnv({ SIM_PORT: '0' }), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no banner within ${CLI_TIMEOUT_MS} ms: ${output}`)), CLI_TIMEOUT_MS);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (https?:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    simulator.stdout!.on('data', read);
    simulator.stderr!.on('data', read);
    simulator.on('exit', (code) => reject(new Error(`counterpay sim exited (${code}): ${output}`)));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'counterpay-sim-cli-'));
  simUrl = await startSimulatorCli();
}, CLI_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (simulator?.exitCode === null) {
    const exited = new Promise((resolve) => simulator.once('exit', resolve));
    simulator.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('counterpay sim --tls and sim register', () => {
  it('serves HTTPS and keeps its CA in DATA_DIR', () => {
    expect(simUrl).toMatch(/^https:\/\//);
    expect(existsSync(join(dir, 'sim-ca.pem'))).toBe(true);
    expect(existsSync(join(dir, 'sim-ca-key.pem'))).toBe(true);
  });

  it('registers a merchant over TLS (trusting DATA_DIR/sim-ca.pem) and prints the CA, the client certificate and the Alipay certificates', { timeout: CLI_TIMEOUT_MS }, async () => {
    const { code, stdout, stderr } = await runCli(['sim', 'register', '--json'], { SIM_URL: simUrl });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const registration = JSON.parse(stdout);
    const ca = readFileSync(join(dir, 'sim-ca.pem'), 'utf8');
    expect(registration.ca).toBe(ca);
    const clientCert = new X509Certificate(registration.wechat.certPem);
    expect(clientCert.subject).toContain(`CN=${registration.wechat.mchId}`);
    expect(clientCert.checkIssued(new X509Certificate(ca))).toBe(true);
    expect(registration.wechat).toEqual(expect.objectContaining({ keyPem: expect.stringContaining('PRIVATE KEY'), p12: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) }));
    for (const field of ['appCertPem', 'alipayCertPem', 'alipayRootCertPem']) expect(registration.alipay[field]).toContain('BEGIN CERTIFICATE');
  });

  it('registers a sub-merchant with --partner, finding the TLS simulator from SIM_TLS and SIM_PORT alone', { timeout: 2 * CLI_TIMEOUT_MS }, async () => {
    const partner = JSON.parse((await runCli(['sim', 'register', '--json'], { SIM_URL: simUrl })).stdout);
    const { code, stdout } = await runCli(['sim', 'register', '--json', '--partner', partner.wechat.mchId], { SIM_TLS: '1', SIM_PORT: new URL(simUrl).port });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ wechat: { subMchId: expect.stringMatching(/^1\d{9}$/) } });
  });

  it('says why when the partner is not a registered merchant', { timeout: CLI_TIMEOUT_MS }, async () => {
    const { code, stderr } = await runCli(['sim', 'register', '--json', '--partner', '1999999999'], { SIM_URL: simUrl });
    expect(code).toBe(1);
    expect(stderr).toContain('HTTP 404');
    expect(stderr).toContain('1999999999');
  });
});

describe('counterpay wallets connect and list', () => {
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const trusted = () => ({ NODE_EXTRA_CA_CERTS: join(dir, 'sim-ca.pem') });

  it('connects live Alipay and WeChat Pay accounts checked with a signed call, refuses a wrong key saying which, and lists them without secrets', { timeout: 8 * CLI_TIMEOUT_MS }, async () => {
    const merchant = JSON.parse((await runCli(['merchants', 'create', '--name', 'CLI Shop', '--json'], {})).stdout);
    const mine = JSON.parse((await runCli(['sim', 'register', '--json'], { SIM_URL: simUrl })).stdout);
    const other = JSON.parse((await runCli(['sim', 'register', '--json'], { SIM_URL: simUrl })).stdout);
    const alipay = ['wallets', 'connect', 'alipay', '--merchant', merchant.merchant_id, '--app-id', mine.alipay.appId, '--private-key-file', file('app.pem', mine.alipay.appPrivateKey), '--endpoint', `${simUrl}/gateway.do`];

    const wrong = await runCli([...alipay, '--alipay-public-key-file', file('wrong.pem', other.alipay.alipayPublicKey)], trusted());
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/public key|certificate/i);
    expect(wrong.stderr).toContain('response_unverifiable');

    const connected = await runCli([...alipay, '--alipay-public-key-file', file('alipay.pem', mine.alipay.alipayPublicKey)], trusted());
    expect(connected.stderr).toBe('');
    expect(connected.code).toBe(0);
    expect(connected.stdout).toContain('verified');

    const p12 = join(dir, 'apiclient_cert.p12');
    writeFileSync(p12, Buffer.from(mine.wechat.p12, 'base64'));
    const wechat = await runCli(
      ['wallets', 'connect', 'wechat', '--merchant', merchant.merchant_id, '--app-id', mine.wechat.appId, '--mch-id', mine.wechat.mchId, '--api-key', mine.wechat.apiKey, '--p12-file', p12, '--endpoint', simUrl, '--json'],
      trusted(),
    );
    expect(wechat.code, wechat.stderr).toBe(0);
    expect(JSON.parse(wechat.stdout)).toMatchObject({ wallet: 'wechat', livemode: true, has_client_certificate: true });

    const listed = await runCli(['wallets', 'list', '--merchant', merchant.merchant_id, '--json'], {});
    const accounts = JSON.parse(listed.stdout) as Array<{ wallet: string; livemode: boolean }>;
    expect(accounts.map((a) => `${a.wallet}:${a.livemode}`).sort()).toEqual(['alipay:true', 'wechat:true']);
    expect(listed.stdout).not.toContain(mine.wechat.apiKey);
    expect(listed.stdout).not.toContain('PRIVATE KEY');
    expect(JSON.parse((await runCli(['wallets', 'list', '--merchant', merchant.merchant_id, '--mode', 'test', '--json'], {})).stdout)).toEqual([]);
  });
});
