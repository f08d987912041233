/**
 * Two gateway instances on the local PostgreSQL (a fresh schema, dropped afterwards), one simulator,
 * the load generator's connections split across both; WeChat Pay barcode. Skipped loudly when
 * PostgreSQL does not answer (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the tests' default).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Context } from '../lib/context.ts';
import { authHeaders, counterpayEnv, createMerchant, paymentBody, startGateway, startSimulator, WECHAT_CODE } from '../lib/counterpay.ts';
import { type LoadSpec, measureSplit, warmUp } from '../lib/load.ts';
import { rssMb } from '../lib/proc-stats.ts';
import { type Child, stopAll } from '../lib/processes.ts';
import { ratio } from '../lib/report.ts';
import { ratiosToReferences } from './barcode.ts';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

/** Trust check: the payments the load made must all have succeeded (waits for those still in flight). */
async function checkOutcomes(ctx: Context, url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let rows: Array<{ status: string; n: number }> = [];
    for (let i = 0; i < 40; i++) {
      rows = (await client.query(`select status, count(*)::int as n from ${schema}.payments group by status`)).rows as Array<{ status: string; n: number }>;
      if (!rows.some((r) => r.status === 'processing')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const total = rows.reduce((s, r) => s + r.n, 0);
    if (rows.some((r) => r.status !== 'succeeded')) ctx.report.note(`PostgreSQL: not every payment succeeded (${rows.map((r) => `${r.status} ${r.n}`).join(', ')})`);
    else console.log(`  check: all ${total} PostgreSQL payments stored as succeeded`);
  } finally {
    await client.end();
  }
}

export async function postgres(ctx: Context): Promise<void> {
  const { settings, report } = ctx;
  const url = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || DEFAULT_URL;
  const shown = url.replace(/:[^:@/]*@/, ':***@');
  if (!(await reachable(url))) {
    const bar = '!'.repeat(100);
    console.warn(`\n${bar}\n!! PostgreSQL is not reachable at ${shown}: SKIPPING the PostgreSQL scenario (two gateway instances).\n!! Start a server there or set BENCH_DATABASE_URL / TEST_DATABASE_URL.\n${bar}\n`);
    report.skip('postgres', `PostgreSQL not reachable at ${shown}`);
    return;
  }
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const dataDir = join(settings.dataRoot, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const env = counterpayEnv(dataDir, { DATABASE_URL: url, DATABASE_SCHEMA: schema });
  let sim: Child | undefined;
  const gateways: Child[] = [];
  try {
    const merchant = await createMerchant(env);
    sim = await startSimulator(counterpayEnv(dataDir));
    // One after the other: each runs the (already applied) migrations at start-up.
    for (const name of ['counterpay serve (PostgreSQL, 1)', 'counterpay serve (PostgreSQL, 2)']) gateways.push(await startGateway(env, sim.ready, name));
    const per = Math.ceil(settings.connections / gateways.length);
    const specs: LoadSpec[] = gateways.map((g, i) => ({ url: `${g.ready}/v1/payments`, method: 'POST', headers: authHeaders(merchant), body: paymentBody(`pg${i}`, WECHAT_CODE), connections: per }));
    await Promise.all(specs.map((s) => warmUp(s, Math.ceil(settings.warmupRequests / specs.length))));
    const r = await measureSplit(specs, settings.durationS, [...gateways.map((g) => g.pid), sim.pid]);
    const gatewayCpu = r.cpuPerOpUs.slice(0, gateways.length).reduce((a, b) => a + b, 0);
    const simCpu = r.cpuPerOpUs[gateways.length]!;
    const rss = gateways.map((g) => rssMb(g.pid));
    rss.forEach((mb, i) => ctx.rss.push({ scenario: `PostgreSQL gateway ${i + 1}`, mb }));
    report.line(
      'postgres',
      `2 gateways on PostgreSQL (schema ${schema}), WeChat: ${Math.round(r.rate)} payments/s, p50 ${r.p50} ms, p99 ${r.p99} ms, gateway CPU ${Math.round(gatewayCpu)} µs/payment (both instances), simulator CPU ${Math.round(simCpu)} µs/payment, non-2xx ${r.non2xx}, errors ${r.errors}`,
    );
    const vsSqlite = ctx.wechat ? `; rate ${ratio(r.rate / ctx.wechat.rate)} one gateway on SQLite` : '';
    report.row({
      scenario: 'PostgreSQL, 2 gateways, barcode (wechat)',
      rate: r.rate,
      unit: 'payments/s',
      p50: r.p50,
      p99: r.p99,
      gatewayCpuUs: gatewayCpu,
      otherCpuUs: simCpu,
      rssMb: Math.max(...rss),
      ratios: ratiosToReferences(ctx, { ...r, cpuPerOpUs: [gatewayCpu, simCpu] }) + vsSqlite,
    });
    report.note('PostgreSQL: the database server\'s own CPU is not counted in "gateway CPU" (it is not a child of the bench).');
    if (r.non2xx + r.errors > 0) report.note(`PostgreSQL: ${r.non2xx} non-2xx answers and ${r.errors} errors during the measured window`);
    await checkOutcomes(ctx, url, schema);
  } finally {
    await stopAll([sim, ...gateways]);
    await dropSchema(url, schema).catch((error) => console.warn(`could not drop schema ${schema}: ${(error as Error).message}`));
  }
}
