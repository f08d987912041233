/**
 * Throughput of barcode payments through the whole stack (gateway → connector → simulator → back),
 * measured as a ratio against a reference run in the same process and machine: the gateway's
 * authenticated GET of one payment (same framework, auth and database, no wallet call).
 * Run: npx tsx bench/payments.bench.ts   (loopback only; bounded by duration)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { connectDatabase } from '@counterpay/db';
import { createLogger, createMerchant, startGateway } from '@counterpay/gateway';
import { startSimulator } from '@counterpay/walletsim';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 20;

async function run(title: string, opts: autocannon.Options): Promise<autocannon.Result> {
  const result = await autocannon({ duration: DURATION_S, connections: CONNECTIONS, ...opts });
  console.log(`${title}: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`);
  return result;
}

const dataDir = mkdtempSync(join(tmpdir(), 'counterpay-bench-'));
const sim = await startSimulator({ port: 0 });
const database = await connectDatabase({ dataDir });
const gateway = await startGateway({
  env: {},
  database,
  logger: createLogger('silent'),
  config: { host: '127.0.0.1', port: 0, dataDir, simUrl: sim.url, masterKey: 'bench' },
});
const { secret_key } = await createMerchant(database, 'bench', { name: 'Bench' });
const headers = { authorization: `Bearer ${secret_key}`, 'content-type': 'application/json' };
const first = await fetch(`${gateway.url}/v1/payments`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ amount: 100, currency: 'CNY', merchant_order_id: 'warm', barcode: '280000000000000001' }),
});
const { id } = (await first.json()) as { id: string };

const reference = await run('reference: GET /v1/payments/:id', { url: `${gateway.url}/v1/payments/${id}`, headers });
let n = 0;
const payments = await run('barcode payment: POST /v1/payments (Alipay, test code 1)', {
  url: `${gateway.url}/v1/payments`,
  method: 'POST',
  headers,
  requests: [
    {
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ amount: 100, currency: 'CNY', merchant_order_id: `b-${n++}-${randomUUID()}`, barcode: n % 2 ? '280000000000000001' : '130000000000000001' }),
      }),
    },
  ],
});
console.log(`ratio: payments/s ÷ reference req/s = ${(payments.requests.average / reference.requests.average).toFixed(3)}`);

await gateway.close();
await database.close();
await sim.close();
rmSync(dataDir, { recursive: true, force: true });
