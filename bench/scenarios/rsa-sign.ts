/** The cost of one RSA-2048 (SHA-256) signature with a parsed KeyObject: Alipay's budget is WeChat + two. */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { Context } from '../lib/context.ts';

export function rsaSign(ctx: Context): void {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.from('app_id=2021000000000000&biz_content={"out_trade_no":"bench-1","total_amount":"1.00","auth_code":"280000000000000001","scene":"bar_code","subject":"bench"}&charset=utf-8&method=alipay.trade.pay&sign_type=RSA2&timestamp=2025-01-01 00:00:00&version=1.0');
  for (let i = 0; i < 20; i++) sign('sha256', data, privateKey);
  const budgetMs = ctx.settings.mode === 'full' ? 2000 : 300;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < budgetMs) {
    sign('sha256', data, privateKey);
    n++;
  }
  const used = process.cpuUsage(cpu);
  ctx.rsaSignUs = (used.user + used.system) / n;
  ctx.report.line('rsa-sign', `one RSA-2048 signature (KeyObject) ${Math.round(ctx.rsaSignUs)} µs CPU (${n} signatures)`);
  ctx.report.row({ scenario: 'RSA-2048 sign (one, in the bench process)', gatewayCpuUs: ctx.rsaSignUs });
}
