/**
 * Lookups at growing numbers of stored payments (seeded straight into the SQLite file):
 * GET /v1/payments/:id (random ids), GET /v1/payments?status=succeeded&limit=20 and
 * GET /v1/payments?merchant_order_id=… (random). Target: p99 at the biggest size ≤ 1.2× the 10k p99.
 */
import { rmSync } from 'node:fs';
import type { Context } from '../lib/context.ts';
import { authHeaders, startGateway } from '../lib/counterpay.ts';
import { deployment } from '../lib/deployment.ts';
import { type LoadResult, type LoadSpec, measure, warmUp } from '../lib/load.ts';
import { rssMb } from '../lib/proc-stats.ts';
import { ratio } from '../lib/report.ts';
import { PaymentSeeder } from '../lib/seed.ts';

const size = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

export async function lookups(ctx: Context): Promise<void> {
  const { settings, report } = ctx;
  const { env, merchant, file, dataDir } = await deployment(ctx, 'lookups');
  const sizes = settings.lookupSizes;
  const seeder = new PaymentSeeder(file, merchant.merchant_id, sizes[sizes.length - 1]!);
  const kinds = ['GET /v1/payments/:id', 'list ?status=succeeded&limit=20', 'list ?merchant_order_id=…'] as const;
  const first = new Map<string, LoadResult>();
  const figures: string[] = [];
  try {
    for (const n of sizes) {
      const added = n - seeder.count;
      const seconds = seeder.seedTo(n);
      console.log(`  lookups: seeded ${added} payments (now ${size(n)}) in ${seconds.toFixed(1)} s, ${Math.round(added / Math.max(seconds, 0.001))} rows/s`);
      // No wallet is called by lookups: the gateway gets an address nothing listens on.
      const gateway = await startGateway(env, 'http://127.0.0.1:9');
      try {
        const base = `${gateway.ready}/v1/payments`;
        const random = () => Math.floor(Math.random() * n);
        const specs: Record<(typeof kinds)[number], LoadSpec> = {
          'GET /v1/payments/:id': { url: base, path: () => `/v1/payments/${seeder.idFor(random())}` },
          'list ?status=succeeded&limit=20': { url: `${base}?status=succeeded&limit=20` },
          'list ?merchant_order_id=…': { url: base, path: () => `/v1/payments?merchant_order_id=${seeder.orderIdFor(random())}&limit=20` },
        } as Record<(typeof kinds)[number], LoadSpec>;
        for (const kind of kinds) {
          const spec: LoadSpec = { ...specs[kind], headers: authHeaders(merchant), connections: settings.connections };
          await warmUp(spec, settings.lookupWarmupRequests);
          const r = await measure(spec, settings.lookupDurationS, [gateway.pid]);
          const base10k = first.get(kind);
          if (!base10k) first.set(kind, r);
          if (r.non2xx + r.errors > 0) report.note(`lookups ${kind} at ${size(n)}: ${r.non2xx} non-2xx, ${r.errors} errors`);
          report.row({
            scenario: `${kind} at ${size(n)}`,
            rate: r.rate,
            unit: 'req/s',
            p50: r.p50,
            p99: r.p99,
            gatewayCpuUs: r.cpuPerOpUs[0],
            ratios: base10k ? `p99 ${ratio(r.p99 / base10k.p99)} ${size(sizes[0]!)}` : '',
          });
          figures.push(`${kind} @${size(n)} p50 ${r.p50} ms p99 ${r.p99} ms`);
        }
        const rss = rssMb(gateway.pid);
        ctx.rss.push({ scenario: `lookups at ${size(n)}`, mb: rss });
      } finally {
        await gateway.stop();
      }
    }
  } finally {
    seeder.close();
    // The 10M-row database is several GB: gone as soon as it has served.
    if (!settings.keepData) rmSync(dataDir, { recursive: true, force: true });
  }
  report.line('lookups', figures.join('; '));
  const biggest = sizes[sizes.length - 1]!;
  const last = report.rows.slice(-kinds.length);
  for (const [i, kind] of kinds.entries()) {
    const base10k = first.get(kind)!;
    const p99 = last[i]!.p99!;
    report.check(`lookup ${kind}: p99 at ${size(biggest)} ≤ 1.2× ${size(sizes[0]!)}`, `${p99} ms vs ${base10k.p99} ms = ${ratio(p99 / base10k.p99)}`, '≤ 1.2×', p99 <= 1.2 * base10k.p99);
  }
}
