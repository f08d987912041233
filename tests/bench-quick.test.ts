/**
 * CI runs the benchmark suite in its smoke mode (tiny durations, no thresholds, nothing written): it must
 * exit 0 and print every scenario's line. The figures themselves are not judged here.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCENARIOS = ['rsa-sign', 'stack-a', 'floor-b', 'barcode-wechat', 'barcode-alipay', 'lookups', 'notifications', 'postgres', 'memory'];

function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // SIGTERM on timeout: the bench then kills every server it started.
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, timeout: timeoutMs, killSignal: 'SIGTERM', stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run bench -- --smoke', () => {
  it('runs every scenario beside its references and exits 0', async () => {
    const { code, output } = await runBench(['--smoke', '--no-write'], 230_000);
    expect(code, output.slice(-4000)).toBe(0);
    for (const id of SCENARIOS) expect(output, `no line for scenario ${id}`).toMatch(new RegExp(`^scenario ${id}: `, 'm'));
    expect(output).toContain('barcode end to end (wechat): ');
    expect(output).toContain('gateway CPU per payment (wechat): ');
  }, 240_000);
});
