import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from './index.ts';

/** The simulator's body limit (server.ts). */
const LIMIT = 256 * 1024;
/** Over the limit by more than loopback socket buffers hold, so a server that stops reading is noticed. */
const OVERSIZED = 16 * LIMIT;

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(async () => {
  await sim?.close();
});

interface Outcome {
  status: number | null;
  error: string | null;
}

/** Uploads `size` bytes on a fresh connection and waits until the exchange is over, noting any socket error. */
function upload(path: string, size: number, chunked: boolean): Promise<Outcome> {
  const { hostname, port } = new URL(sim.url);
  const body = Buffer.alloc(size, 'x');
  return new Promise((resolve) => {
    const outcome: Outcome = { status: null, error: null };
    const req = request({ hostname, port, path, method: 'POST', agent: false, headers: { 'content-type': path === '/gateway.do' ? 'application/x-www-form-urlencoded' : 'text/xml', ...(chunked ? {} : { 'content-length': size }) } }, (res) => {
      outcome.status = res.statusCode ?? null;
      res.resume();
      res.on('error', (error: NodeJS.ErrnoException) => (outcome.error ??= error.code ?? error.message));
    });
    req.on('error', (error: NodeJS.ErrnoException) => (outcome.error ??= error.code ?? error.message));
    req.on('close', () => resolve(outcome));
    req.end(body);
  });
}

describe('a request body over the limit', () => {
  for (const [path, chunked] of [['/pay/orderquery', false], ['/pay/orderquery', true], ['/gateway.do', false]] as const) {
    it(`gets its 413 on ${path} (${chunked ? 'chunked' : 'content-length'}) after the whole upload, never a cut connection`, async () => {
      for (let attempt = 0; attempt < 20; attempt++) {
        expect(await upload(path, OVERSIZED, chunked)).toEqual({ status: 413, error: null });
      }
    });
  }

  it('still answers a body within the limit', async () => {
    expect((await upload('/pay/orderquery', LIMIT - 1, false)).status).toBe(200);
  });
});
