/**
 * counterpay barcode payments end to end: `counterpay sim`, `counterpay serve` and the load generator in
 * separate processes; WeChat Pay (130000000000000001) then Alipay (280000000000000001), each warmed up.
 */
import Database from 'better-sqlite3';
import type { Context } from '../lib/context.ts';
import { ALIPAY_CODE, authHeaders, paymentBody, startGateway, startSimulator, WECHAT_CODE } from '../lib/counterpay.ts';
import { deployment } from '../lib/deployment.ts';
import { type LoadResult, type LoadSpec, measure, warmUp } from '../lib/load.ts';
import { rssMb } from '../lib/proc-stats.ts';
import { type Child, stopAll } from '../lib/processes.ts';
import { ratio, type Row } from '../lib/report.ts';

/** The ratios of a counterpay barcode figure to references A and B, as worded in the table. */
export function ratiosToReferences(ctx: Context, r: LoadResult): string {
  const parts: string[] = [];
  if (ctx.b) parts.push(`rate ${ratio(r.rate / ctx.b.rate)} B, CPU ${ratio(r.cpuPerOpUs[0]! / ctx.b.cpuPerOpUs[0]!)} B, p99 ${ratio(r.p99 / ctx.b.p99)} B`);
  if (ctx.a) parts.push(`rate ${ratio(r.rate / ctx.a.rate)} A`);
  return parts.join('; ');
}

export function barcodeLine(r: LoadResult): string {
  return `${Math.round(r.rate)} payments/s, p50 ${r.p50} ms, p99 ${r.p99} ms, gateway CPU ${Math.round(r.cpuPerOpUs[0]!)} µs/payment, simulator CPU ${Math.round(r.cpuPerOpUs[1]!)} µs/payment, non-2xx ${r.non2xx}, errors ${r.errors}`;
}

export async function barcode(ctx: Context): Promise<void> {
  const { settings, report } = ctx;
  const { env, merchant, file } = await deployment(ctx, 'barcode');
  let sim: Child | undefined;
  let gateway: Child | undefined;
  try {
    sim = await startSimulator(env);
    gateway = await startGateway(env, sim.ready);
    for (const [wallet, code] of [['wechat', WECHAT_CODE], ['alipay', ALIPAY_CODE]] as const) {
      const id = wallet === 'wechat' ? 'barcode-wechat' : 'barcode-alipay';
      const load: LoadSpec = { url: `${gateway.ready}/v1/payments`, method: 'POST', headers: authHeaders(merchant), body: paymentBody(wallet, code), connections: settings.connections };
      await warmUp(load, settings.warmupRequests);
      const r = await measure(load, settings.durationS, [gateway.pid, sim.pid]);
      const rss = rssMb(gateway.pid);
      ctx.rss.push({ scenario: `barcode ${wallet}`, mb: rss });
      report.line(id, barcodeLine(r));
      const row: Row = { scenario: `barcode end to end (${wallet})`, rate: r.rate, unit: 'payments/s', p50: r.p50, p99: r.p99, gatewayCpuUs: r.cpuPerOpUs[0], otherCpuUs: r.cpuPerOpUs[1], rssMb: rss, ratios: ratiosToReferences(ctx, r) };
      report.row(row);
      if (r.non2xx + r.errors > 0) report.note(`barcode ${wallet}: ${r.non2xx} non-2xx answers and ${r.errors} errors during the measured window`);
      if (wallet === 'wechat') wechatTargets(ctx, r);
      else alipayTargets(ctx, r);
    }
    await checkOutcomes(ctx, file);
  } finally {
    await stopAll([sim, gateway]);
  }
}

function wechatTargets(ctx: Context, r: LoadResult): void {
  const { report, a, b } = ctx;
  ctx.wechat = r;
  const gw = r.cpuPerOpUs[0]!;
  if (b && a) {
    report.summary.push(`barcode end to end (wechat): ${Math.round(r.rate)} payments/s, ${(r.rate / b.rate).toFixed(2)}× floor B, ${(r.rate / a.rate).toFixed(2)}× stack A`);
    report.summary.push(`gateway CPU per payment (wechat): ${Math.round(gw)} µs, ${(gw / b.cpuPerOpUs[0]!).toFixed(2)}× floor B`);
  }
  if (!b) return;
  report.check('WeChat gateway CPU per payment ≤ 2× B', `${Math.round(gw)} µs = ${ratio(gw / b.cpuPerOpUs[0]!)} B (${Math.round(b.cpuPerOpUs[0]!)} µs)`, '≤ 2×', gw <= 2 * b.cpuPerOpUs[0]!);
  report.check('WeChat p99 ≤ 2× B', `${r.p99} ms = ${ratio(r.p99 / b.p99)} B (${b.p99} ms)`, '≤ 2×', r.p99 <= 2 * b.p99);
  report.check('WeChat payments/s ≥ 0.5× B', `${Math.round(r.rate)} = ${ratio(r.rate / b.rate)} B (${Math.round(b.rate)})`, '≥ 0.5×', r.rate >= 0.5 * b.rate);
}

function alipayTargets(ctx: Context, r: LoadResult): void {
  const { report, wechat, rsaSignUs } = ctx;
  if (!wechat || rsaSignUs === undefined) return;
  const budget = wechat.cpuPerOpUs[0]! + 2 * rsaSignUs;
  const gw = r.cpuPerOpUs[0]!;
  report.check(
    'Alipay gateway CPU ≤ WeChat + two RSA signatures',
    `${Math.round(gw)} µs vs ${Math.round(wechat.cpuPerOpUs[0]!)} + 2×${Math.round(rsaSignUs)} = ${Math.round(budget)} µs (excess ${Math.round(gw - budget)} µs)`,
    '≤ WeChat + 2 RSA',
    gw <= budget,
  );
}

/** Trust check: every payment the load made must have succeeded (a 200 that answers `failed` is no payment). */
async function checkOutcomes(ctx: Context, file: string): Promise<void> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const count = () => db.prepare('select status, count(*) as n from payments group by status').all() as Array<{ status: string; n: number }>;
    // Requests still in flight when the load stopped finish a moment later.
    for (let i = 0; i < 40 && count().some((r) => r.status === 'processing'); i++) await new Promise((resolve) => setTimeout(resolve, 250));
    const rows = count();
    const total = rows.reduce((s, r) => s + r.n, 0);
    const bad = rows.filter((r) => r.status !== 'succeeded');
    const text = rows.map((r) => `${r.status} ${r.n}`).join(', ');
    if (bad.length) ctx.report.note(`barcode: not every payment succeeded (${text}) — the rates above count answers, not successes`);
    else console.log(`  check: all ${total} barcode payments stored as succeeded`);
  } finally {
    db.close();
  }
}
