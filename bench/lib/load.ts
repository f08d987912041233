/** The load generator: autocannon in the bench's main process, with a body or path made per request. */
import autocannon from 'autocannon';
import { cpuMeter, cpuMicros } from './proc-stats.ts';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A fresh body for every request (e.g. a unique merchant_order_id). */
  body?: () => string;
  /** A fresh path for every request (e.g. a random id to look up). */
  path?: () => string;
  connections: number;
}

export interface LoadResult {
  /** 2xx answers. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** 2xx answers per second of wall time. */
  rate: number;
  p50: number;
  p99: number;
  /** CPU of each watched process per operation (2xx answers plus requests still in flight when the load stopped), µs. */
  cpuPerOpUs: number[];
}

function options(spec: LoadSpec, bound: { duration: number } | { amount: number }): autocannon.Options {
  const { body, path } = spec;
  return {
    url: spec.url,
    method: spec.method ?? 'GET',
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...spec.headers },
    connections: spec.connections,
    timeout: 30,
    ...bound,
    ...(body || path
      ? {
          requests: [
            {
              setupRequest: (request: autocannon.Request) => ({
                ...request,
                ...(body ? { body: body() } : {}),
                ...(path ? { path: path() } : {}),
              }),
            },
          ],
        }
      : {}),
  };
}

/** A fixed number of requests to warm the servers up (JIT, caches, connection pools); not measured. */
export async function warmUp(spec: LoadSpec, requests: number): Promise<void> {
  const result = await autocannon(options(spec, { amount: requests }));
  if (result['2xx'] === 0) throw new Error(`warm-up of ${spec.url} got no 2xx answer (non-2xx ${result.non2xx}, errors ${result.errors})`);
}

/**
 * When the load generator stops, requests still in flight finish at the servers afterwards. So the CPU
 * window closes only once the servers are idle again (bounded), and those requests count as operations.
 */
async function settle(pids: number[]): Promise<void> {
  const deadline = Date.now() + 5000;
  let last = pids.map(cpuMicros);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = pids.map(cpuMicros);
    // Idle: less than 25 ms of CPU per second in every process (background workers still tick).
    if (now.every((us, i) => us - last[i]! < 6250)) return;
    last = now;
  }
}

function summarize(result: autocannon.Result, seconds: number, cpu: number[]): LoadResult {
  const ok = result['2xx'];
  const sent = (result.requests as { sent?: number }).sent ?? 0;
  const inFlightAtEnd = Math.max(0, sent - ok - result.non2xx - result.errors);
  const ops = ok + inFlightAtEnd;
  return {
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    rate: ok / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerOpUs: cpu.map((us) => (ops > 0 ? us / ops : NaN)),
  };
}

/** Load for `durationS` seconds while measuring the CPU of `pids`. */
export async function measure(spec: LoadSpec, durationS: number, pids: number[]): Promise<LoadResult> {
  const meter = cpuMeter(pids);
  const started = performance.now();
  const result = await autocannon(options(spec, { duration: durationS }));
  const seconds = (performance.now() - started) / 1000;
  await settle(pids);
  return summarize(result, seconds, meter.stop());
}

/** Several loads at once (e.g. one per gateway instance), merged into one result (latency histograms merged). */
export async function measureSplit(specs: LoadSpec[], durationS: number, pids: number[]): Promise<LoadResult> {
  const meter = cpuMeter(pids);
  const started = performance.now();
  const results = await Promise.all(specs.map((spec) => autocannon({ ...options(spec, { duration: durationS }), skipAggregateResult: true } as autocannon.Options)));
  const seconds = (performance.now() - started) / 1000;
  const first = specs[0]!;
  await settle(pids);
  const aggregate = (autocannon as unknown as { aggregateResult(results: autocannon.Result[], opts: autocannon.Options): autocannon.Result }).aggregateResult;
  const merged = aggregate(results, { url: first.url, connections: specs.reduce((n, s) => n + s.connections, 0) });
  return summarize(merged, seconds, meter.stop());
}
