import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { WalletCallRecord } from '@counterpay/core';
import { GatewayMetrics, countingDeliveryOutcomes, walletCallOutcome, walletOperation } from './metrics.ts';
import type { Backlog, BacklogRepository } from './repositories/backlog-repository.ts';

const call = (over: Partial<WalletCallRecord>): WalletCallRecord => ({
  wallet: 'alipay',
  method: 'alipay.trade.pay',
  outcome: 'succeeded',
  walletCode: 'TRADE_SUCCESS',
  httpStatus: 200,
  latencyMs: 120,
  error: null,
  ...over,
});

const BACKLOG: Backlog = {
  tasks: { payment: { total: 3, due: 2, oldestDueAgeSeconds: 7.5 }, refund: { total: 0, due: 0, oldestDueAgeSeconds: 0 } },
  deliveries: { pending: 4, due: 1, oldestPendingAgeSeconds: 90 },
};
const backlogOf = (read: () => Promise<Backlog>) => ({ read }) as unknown as BacklogRepository;

/** The samples of one metric, as `labels → value` (labels in the exposition's order). */
async function samples(metrics: GatewayMetrics, name: string): Promise<Record<string, number>> {
  const text = await metrics.registry.metrics();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) out[m[2] ?? ''] = Number(m[3]);
  }
  return out;
}

describe('walletOperation', () => {
  it('names both wallets’ requests by operation', () => {
    expect(walletOperation('alipay.trade.pay')).toBe('pay');
    expect(walletOperation('/pay/micropay')).toBe('pay');
    expect(walletOperation('alipay.trade.precreate')).toBe('create_qr');
    expect(walletOperation('/pay/unifiedorder')).toBe('create_qr');
    expect(walletOperation('alipay.trade.query')).toBe('query');
    expect(walletOperation('/pay/orderquery')).toBe('query');
    expect(walletOperation('alipay.trade.cancel')).toBe('cancel');
    expect(walletOperation('/secapi/pay/reverse')).toBe('cancel');
    expect(walletOperation('alipay.trade.close')).toBe('close');
    expect(walletOperation('/pay/closeorder')).toBe('close');
    expect(walletOperation('alipay.trade.refund')).toBe('refund');
    expect(walletOperation('/secapi/pay/refund')).toBe('refund');
    expect(walletOperation('alipay.trade.fastpay.refund.query')).toBe('refund_query');
    expect(walletOperation('/pay/refundquery')).toBe('refund_query');
  });

  it('keeps labels bounded: an unknown name is other, never itself', () => {
    expect(walletOperation('alipay.trade.pay?id=pay_123')).toBe('other');
    expect(walletOperation('toString')).toBe('other');
    expect(walletOperation('__proto__')).toBe('other');
  });
});

describe('walletCallOutcome', () => {
  it('answered: any answer, a refusal included', () => {
    expect(walletCallOutcome(call({}))).toBe('answered');
    expect(walletCallOutcome(call({ outcome: 'failed', walletCode: 'ACQ.BUYER_BALANCE_NOT_ENOUGH' }))).toBe('answered');
    expect(walletCallOutcome(call({ outcome: 'unknown', error: 'return_code FAIL: SYSTEMERROR' }))).toBe('answered');
  });

  it('timeout, not_sent and error from what the connector logged', () => {
    expect(walletCallOutcome(call({ outcome: 'unknown', httpStatus: null, error: 'no answer within 800 ms' }))).toBe('timeout');
    expect(walletCallOutcome(call({ outcome: 'not_sent', httpStatus: null, error: 'connection refused (ECONNREFUSED)' }))).toBe('not_sent');
    expect(walletCallOutcome(call({ outcome: 'unknown', httpStatus: 502, error: 'HTTP 502 from the wallet' }))).toBe('error');
    expect(walletCallOutcome(call({ outcome: 'unknown', error: 'answer signature does not verify with the Alipay public key' }))).toBe('error');
    expect(walletCallOutcome(call({ outcome: 'retry', httpStatus: null, error: 'network error: ECONNRESET' }))).toBe('error');
  });
});

describe('GatewayMetrics', () => {
  it('counts final payments and refunds by bounded labels, and nothing for a status that is not final', async () => {
    const m = new GatewayMetrics(null);
    m.paymentFinal({ wallet: 'alipay', flow: 'barcode', status: 'succeeded' });
    m.paymentFinal({ wallet: 'alipay', flow: 'barcode', status: 'succeeded' });
    m.paymentFinal({ wallet: 'wechat', flow: 'qr', status: 'failed' });
    m.paymentFinal({ wallet: null, flow: 'qr', status: 'closed' });
    m.paymentFinal({ wallet: 'alipay', flow: 'barcode', status: 'processing' });
    m.refundFinal('wechat', 'succeeded');
    m.refundFinal('wechat', 'processing');
    expect(await samples(m, 'counterpay_payments_total')).toEqual({
      '{wallet="alipay",flow="barcode",outcome="succeeded"}': 2,
      '{wallet="wechat",flow="qr",outcome="failed"}': 1,
      '{wallet="none",flow="qr",outcome="closed"}': 1,
    });
    expect(await samples(m, 'counterpay_refunds_total')).toEqual({ '{wallet="wechat",outcome="succeeded"}': 1 });
  });

  it('observes wallet call latency in seconds by wallet, operation and outcome', async () => {
    const m = new GatewayMetrics(null);
    m.walletCall(call({ latencyMs: 120 }));
    m.walletCall(call({ wallet: 'wechat', method: '/pay/orderquery', outcome: 'unknown', httpStatus: null, error: 'no answer within 800 ms', latencyMs: 800 }));
    m.walletCallFailed('alipay', 0.01);
    const counts = await samples(m, 'counterpay_wallet_call_duration_seconds_count');
    expect(counts).toEqual({
      '{wallet="alipay",operation="pay",outcome="answered"}': 1,
      '{wallet="wechat",operation="query",outcome="timeout"}': 1,
      '{wallet="alipay",operation="other",outcome="error"}': 1,
    });
    const sums = await samples(m, 'counterpay_wallet_call_duration_seconds_sum');
    expect(sums['{wallet="alipay",operation="pay",outcome="answered"}']).toBeCloseTo(0.12);
    const buckets = await samples(m, 'counterpay_wallet_call_duration_seconds_bucket');
    expect(buckets['{le="0.1",wallet="alipay",operation="pay",outcome="answered"}']).toBe(0);
    expect(buckets['{le="0.25",wallet="alipay",operation="pay",outcome="answered"}']).toBe(1);
  });

  it('reads the backlog once per scrape for every gauge', async () => {
    let reads = 0;
    const m = new GatewayMetrics(backlogOf(async () => (reads++, BACKLOG)));
    expect(await samples(m, 'counterpay_resolver_tasks')).toEqual({ '{kind="payment"}': 3, '{kind="refund"}': 0 });
    expect(reads).toBe(1);
    expect(await samples(m, 'counterpay_resolver_tasks_due')).toEqual({ '{kind="payment"}': 2, '{kind="refund"}': 0 });
    expect(await samples(m, 'counterpay_resolver_oldest_due_task_age_seconds')).toEqual({ '{kind="payment"}': 7.5, '{kind="refund"}': 0 });
    expect(await samples(m, 'counterpay_notification_backlog')).toEqual({ '': 4 });
    expect(await samples(m, 'counterpay_notification_backlog_due')).toEqual({ '': 1 });
    expect(await samples(m, 'counterpay_notification_oldest_pending_age_seconds')).toEqual({ '': 90 });
    expect(reads).toBe(6); // one read per scrape (each `samples` is a scrape), not one per gauge
  });

  it('a backlog that cannot be read shows as NaN (unknown, not empty) and counts the error; the scrape still answers', async () => {
    let fail = false;
    const m = new GatewayMetrics(backlogOf(async () => (fail ? Promise.reject(new Error('database gone')) : BACKLOG)));
    expect(await samples(m, 'counterpay_notification_backlog')).toEqual({ '': 4 });
    fail = true;
    expect(await samples(m, 'counterpay_notification_backlog')).toEqual({ '': Number.NaN });
    expect(await samples(m, 'counterpay_resolver_tasks')).toEqual({ '{kind="payment"}': Number.NaN, '{kind="refund"}': Number.NaN });
    expect(await samples(m, 'counterpay_backlog_read_errors_total')).toEqual({ '': 2 });
  });

  it('has HELP and TYPE for every business metric', async () => {
    const text = await new GatewayMetrics(null).registry.metrics();
    for (const name of [
      'counterpay_payments_total',
      'counterpay_refunds_total',
      'counterpay_wallet_call_duration_seconds',
      'counterpay_notification_deliveries_total',
      'counterpay_resolver_tasks',
      'counterpay_resolver_tasks_due',
      'counterpay_resolver_oldest_due_task_age_seconds',
      'counterpay_notification_backlog',
      'counterpay_notification_oldest_pending_age_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
  });

  it('every counterpay metric is in the metrics table of the README', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('\n## ', readme.indexOf('## Metrics') + 1));
    const names = (await new GatewayMetrics(null).registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('counterpay_'));
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const name of names) expect(section, name).toContain(`\`${name}\``);
  });

  it('never throws into what it measures', () => {
    const m = new GatewayMetrics(null);
    expect(() => m.paymentFinal({ wallet: 'alipay', flow: 'barcode', status: 'bogus' as never })).not.toThrow();
    expect(() => m.walletCall(null as never)).not.toThrow();
    expect(() => m.delivery(undefined as never)).not.toThrow();
  });
});

describe('countingDeliveryOutcomes', () => {
  class FakeDeliveries {
    readonly #log: string[] = [];
    calls = this.#log;
    async markDelivered(id: string) {
      this.#log.push(`delivered ${id}`);
    }
    async scheduleRetry(id: string) {
      this.#log.push(`retry ${id}`);
    }
    async markFailed(id: string) {
      if (id === 'broken') throw new Error('write failed');
      this.#log.push(`failed ${id}`);
    }
    async claimDue() {
      return this.#log.length;
    }
  }

  it('counts an outcome after the repository recorded it, and passes everything else through', async () => {
    const counted: string[] = [];
    const repo = new FakeDeliveries();
    const wrapped = countingDeliveryOutcomes(repo, (o) => counted.push(o));
    await wrapped.markDelivered('d1');
    await wrapped.scheduleRetry('d2');
    await wrapped.markFailed('d3');
    expect(await wrapped.claimDue()).toBe(3); // a private field still works through the wrapper
    await expect(wrapped.markFailed('broken')).rejects.toThrow('write failed');
    expect(repo.calls).toEqual(['delivered d1', 'retry d2', 'failed d3']);
    expect(counted).toEqual(['delivered', 'retry', 'failed']);
  });

  it('a counter that throws does not fail the delivery', async () => {
    const wrapped = countingDeliveryOutcomes(new FakeDeliveries(), () => {
      throw new Error('metrics broke');
    });
    await expect(wrapped.markDelivered('d1')).resolves.toBeUndefined();
  });
});
