import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `counterpay merchants settings`: a merchant's late-success policy, read and set in the database (no server running). */
const BIN = fileURLToPath(new URL('../../bin/counterpay.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'counterpay-merchant-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir };
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('counterpay merchants settings', { timeout: 120_000 }, () => {
  it('shows refund by default, sets accept and back, and refuses an unknown policy or merchant', async () => {
    const created = await run(['merchants', 'create', '--name', 'Settings Shop', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const merchantId = JSON.parse(created.stdout).merchant_id as string;
    const read = async (...extra: string[]) => {
      const result = await run(['merchants', 'settings', '--merchant', merchantId, '--json', ...extra]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout);
    };
    expect(await read()).toEqual({ object: 'settings', merchant_id: merchantId, late_success_policy: 'refund' });
    expect(await read('--late-success', 'accept')).toMatchObject({ late_success_policy: 'accept' });
    const text = await run(['merchants', 'settings', '--merchant', merchantId, '--late-success', 'refund']);
    expect(text.stdout).toContain('late_success_policy refund');
    const bad = await run(['merchants', 'settings', '--merchant', merchantId, '--late-success', 'keep']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--late-success must be refund or accept');
    const unknown = await run(['merchants', 'settings', '--merchant', 'mer_nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no merchant mer_nobody');
  });
});
