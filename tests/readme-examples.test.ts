import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';

/** The README's dialect examples, run as a merchant would run them: a file beside merchant.json. */
async function readmeExample(name: string): Promise<string> {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const match = readme.match(new RegExp(`<!-- readme-example: ${name} -->\\n\`\`\`js\\n([\\s\\S]*?)\\n\`\`\``));
  if (!match) throw new Error(`README has no example "${name}"`);
  return match[1]!;
}

describe('README dialect examples', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness('sqlite');
    dir = await mkdtemp(join(tmpdir(), 'counterpay-readme-'));
    await writeFile(join(dir, 'merchant.json'), JSON.stringify(h.merchant));
  });
  afterAll(async () => {
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function run(name: string): Promise<string> {
    const file = join(dir, `${name}-example.mjs`);
    await writeFile(file, await readmeExample(name));
    return new Promise((resolve, reject) =>
      execFile(process.execPath, [file], { cwd: dir, env: { ...process.env, COUNTERPAY_URL: h.url }, timeout: 30_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${name} example failed: ${stderr || error.message}`)) : resolve(stdout),
      ),
    );
  }

  it('PingPong: pays and refunds part', async () => {
    expect((await run('pingpong')).trim().split('\n')).toEqual(['payment 000000 SUCCESS', 'refund 000000 SUCCESS']);
  });

  it('ScanForPay: pays and refunds part', async () => {
    const lines = (await run('scanforpay')).trim().split('\n');
    expect(lines[0]).toBe('payment 1 1');
    expect(lines[1]).toMatch(/^refund 1 \d$/);
  });
});
