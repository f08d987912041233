import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The CLI's help and argument errors, as a user meets them (no server needed: nothing is sent). */
const BIN = fileURLToPath(new URL('../../bin/counterpay.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // An unreachable gateway: any command that got past its argument checks would fail differently.
  const env = { ...process.env, COUNTERPAY_URL: 'http://127.0.0.1:9', COUNTERPAY_API_KEY: 'sk_test_unused' };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('counterpay help and argument errors', { timeout: 120_000 }, () => {
  it('answers `help`, `help CMD` and `CMD --help` with exit 0', async () => {
    const all = await run(['help']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('counterpay cancel PAYMENT_ID');
    const payHelp = await run(['pay', '--help']);
    expect(payHelp.code).toBe(0);
    expect(payHelp.stdout).toMatch(/^counterpay pay --amount N/);
    expect((await run(['help', 'cancel'])).stdout).toMatch(/^counterpay cancel PAYMENT_ID/);
  });

  it('refuses bad arguments in plain words before sending anything', async () => {
    const negative = await run(['pay', '--amount', '-5', '--barcode', '280000000000000001']);
    expect(negative.code).toBe(1);
    expect(negative.stderr).toContain('--amount needs a value: a positive whole number in minor units');
    const both = await run(['pay', '--amount', '100', '--barcode', '280000000000000001', '--qr', 'any']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('not both');
    const wallet = await run(['pay', '--amount', '100', '--qr', 'paypal']);
    expect(wallet.stderr).toContain('--qr is alipay, wechat or any');
    const cancel = await run(['cancel']);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain('cancel needs a payment id');
    // The cancel command exists: with an id it gets as far as the (unreachable) gateway.
    expect((await run(['cancel', 'pay_x'])).stderr).toContain('cannot reach the gateway');
  });
});
