/** Gateway RSS (VmRSS) after each scenario, against the 300 MB target. */
import type { Context } from '../lib/context.ts';

const LIMIT_MB = 300;

export function memory(ctx: Context): void {
  if (ctx.rss.length === 0) return;
  const max = ctx.rss.reduce((m, r) => (r.mb > m.mb ? r : m));
  ctx.report.line('memory', ctx.rss.map((r) => `${r.scenario} ${Math.round(r.mb)} MB`).join(', '));
  ctx.report.check('gateway RSS ≤ 300 MB (largest after any scenario)', `${Math.round(max.mb)} MB after ${max.scenario}`, `≤ ${LIMIT_MB} MB`, max.mb <= LIMIT_MB);
}
