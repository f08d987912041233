/** References A (the stack) and B (the design floor), each server in its own process. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Context } from '../lib/context.ts';
import { paymentBody, WECHAT_CODE } from '../lib/counterpay.ts';
import { type LoadSpec, measure, warmUp } from '../lib/load.ts';
import { rssMb } from '../lib/proc-stats.ts';
import { type Child, startProcess, stopAll, tsEntry } from '../lib/processes.ts';

function spec(ctx: Context, url: string, tag: string): LoadSpec {
  return { url: `${url}/v1/payments`, method: 'POST', body: paymentBody(tag, WECHAT_CODE), connections: ctx.settings.connections };
}

export async function stackA(ctx: Context): Promise<void> {
  const { settings, report } = ctx;
  const server = await startProcess('reference A', tsEntry('servers/reference-a.ts'), { env: { BENCH_DB: join(settings.dataRoot, 'reference-a.db') } });
  try {
    const load = spec(ctx, server.ready, 'a');
    await warmUp(load, settings.warmupRequests);
    const r = await measure(load, settings.durationS, [server.pid]);
    ctx.a = r;
    const rss = rssMb(server.pid);
    report.line('stack-a', `${Math.round(r.rate)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, CPU ${Math.round(r.cpuPerOpUs[0]!)} µs/req, non-2xx ${r.non2xx}, errors ${r.errors}`);
    report.row({ scenario: 'A stack: Fastify + validate + 1 SQLite insert', rate: r.rate, unit: 'req/s', p50: r.p50, p99: r.p99, gatewayCpuUs: r.cpuPerOpUs[0], rssMb: rss });
  } finally {
    await server.stop();
  }
}

export async function floorB(ctx: Context): Promise<void> {
  const { settings, report } = ctx;
  const key = randomBytes(16).toString('hex');
  let wallet: Child | undefined;
  let gateway: Child | undefined;
  try {
    wallet = await startProcess('floor wallet', tsEntry('servers/floor-wallet.ts'), { env: { BENCH_DB: join(settings.dataRoot, 'floor-wallet.db'), WALLET_KEY: key } });
    gateway = await startProcess('floor gateway', tsEntry('servers/floor-gateway.ts'), {
      env: { BENCH_DB: join(settings.dataRoot, 'floor-gateway.db'), WALLET_URL: wallet.ready, WALLET_KEY: key },
    });
    const load = spec(ctx, gateway.ready, 'b');
    await warmUp(load, settings.warmupRequests);
    const r = await measure(load, settings.durationS, [gateway.pid, wallet.pid]);
    ctx.b = r;
    const rss = rssMb(gateway.pid);
    report.line('floor-b', `${Math.round(r.rate)} payments/s, p50 ${r.p50} ms, p99 ${r.p99} ms, gateway CPU ${Math.round(r.cpuPerOpUs[0]!)} µs/payment, wallet CPU ${Math.round(r.cpuPerOpUs[1]!)} µs/payment, non-2xx ${r.non2xx}, errors ${r.errors}`);
    report.row({
      scenario: 'B floor: validate, insert, signed XML call, update + outbox',
      rate: r.rate,
      unit: 'payments/s',
      p50: r.p50,
      p99: r.p99,
      gatewayCpuUs: r.cpuPerOpUs[0],
      otherCpuUs: r.cpuPerOpUs[1],
      rssMb: rss,
      ratios: ctx.a ? `rate ${(r.rate / ctx.a.rate).toFixed(2)}× A` : '',
    });
  } finally {
    await stopAll([wallet, gateway]);
  }
}
