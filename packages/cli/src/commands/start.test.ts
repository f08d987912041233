import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `counterpay start` as a user runs it, with one of its ports already taken. */
const BIN = fileURLToPath(new URL('../../bin/counterpay.js', import.meta.url));
const TIMEOUT_MS = 60_000;

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

describe('counterpay start with a busy port', () => {
  let dir: string;
  const busy = createServer();
  const spare = createServer();
  let busyPort: number;
  let sparePort: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'counterpay-start-'));
    busyPort = await listen(busy);
    sparePort = await listen(spare);
    // Free the spare port for the simulator; the busy one stays taken.
    await new Promise((resolve) => spare.close(resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits non-zero naming the port, and stops the simulator it had started', { timeout: TIMEOUT_MS + 5000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, HOST: '127.0.0.1', PORT: String(busyPort), SIM_PORT: String(sparePort), LOG_LEVEL: 'silent' };
    for (const name of ['SIM_URL', 'SIM_TLS', 'DATABASE_URL', 'NODE_EXTRA_CA_CERTS']) delete env[name];
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'start'], { env, timeout: TIMEOUT_MS }, (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
      );
    });
    // A hang would be killed by the timeout (code null); a clean refusal exits 1 on its own.
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`port ${busyPort} is already in use`);
    // The simulator's port is free again.
    const check = createServer();
    await new Promise<void>((resolve, reject) => check.once('error', reject).listen(sparePort, '127.0.0.1', () => resolve()));
    await new Promise((resolve) => check.close(resolve));
  });
});
