import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `counterpay merchants create` prints every credential a dialect client needs (no server running). */
const BIN = fileURLToPath(new URL('../../bin/counterpay.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'counterpay-merchants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir };
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('counterpay merchants create', { timeout: 120_000 }, () => {
  it('prints PingPong accId, clientId and salt, ScanForPay partnerNo, signKey and storeNo, and the Omise keys, for both modes', async () => {
    const { code, stdout, stderr } = await run(['merchants', 'create', '--name', 'Credential Shop']);
    expect(code, stderr).toBe(0);
    const pingpong = [...stdout.matchAll(/PingPong\s+accId (\d{22})\s+clientId (\d{19})\s+salt (\S+)/g)];
    const scanforpay = [...stdout.matchAll(/ScanForPay\s+partnerNo (\d{8})\s+signKey (\S+)\s+storeNo (\d{15})/g)];
    expect(pingpong).toHaveLength(2);
    expect(scanforpay).toHaveLength(2);
    // The clientId is the accId's own prefix for PingPong; test and live accounts differ.
    expect(pingpong[0]![1]!.startsWith(pingpong[0]![2]!)).toBe(true);
    expect(pingpong[0]![1]).not.toBe(pingpong[1]![1]);
    expect(stdout).toMatch(/Omise\s+secret key skey_test_\S+/);
    expect(stdout).toMatch(/Omise\s+secret key skey_(?!test_)\S+/);
    expect(stdout).toMatch(/native API\s+secret key sk_test_\S+/);
    expect(stdout).toMatch(/native API\s+secret key sk_live_\S+/);
    expect(stdout).toMatch(/webhooks\s+signing secret whsec_\S+/);
  });

  it('prints them as JSON with --json', async () => {
    const { code, stdout } = await run(['merchants', 'create', '--name', 'Json Shop', '--json']);
    expect(code).toBe(0);
    const created = JSON.parse(stdout);
    expect(created).toMatchObject({
      pingpong: { accId: expect.any(String), clientId: expect.any(String), salt: expect.any(String), live: { accId: expect.any(String), clientId: expect.any(String), salt: expect.any(String) } },
      scanforpay: { partnerNo: expect.any(String), signKey: expect.any(String), storeNo: expect.any(String), live: { partnerNo: expect.any(String), signKey: expect.any(String), storeNo: expect.any(String) } },
      omise: { secretKey: expect.stringMatching(/^skey_test_/), liveSecretKey: expect.stringMatching(/^skey_/) },
    });
  });
});
