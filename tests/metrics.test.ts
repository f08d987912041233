import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '@counterpay/db/test-databases';
import { type Harness, type ProcessHarness, startHarness, startProcessHarness } from './support/harness.ts';
import { startReceiver } from './support/receiver.ts';
import { waitUntil } from './support/wait.ts';

const CODES = {
  alipay: { succeeds: '280000000000000001', password: '280000000000000002', insufficient: '280000000000000003' },
  wechat: { succeeds: '130000000000000001', password: '130000000000000002', insufficient: '130000000000000003' },
} as const;
let order = 0;
const orderId = (tag: string) => `metrics-${tag}-${Date.now()}-${order++}`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text exposition format (0.0.4), as a scraper reads it: HELP/TYPE lines and samples. */
function parseExposition(text: string): { samples: Sample[]; help: Map<string, string>; type: Map<string, string> } {
  const samples: Sample[] = [];
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'HELP' ? help : type).set(meta[2]!, meta[3]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value: m[3] === 'NaN' ? Number.NaN : m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return { samples, help, type };
}

class Scrape {
  constructor(readonly samples: Sample[]) {}
  /** The value of the one sample with exactly these labels; 0 when the series does not exist (yet). */
  value(name: string, labels: Record<string, string> = {}): number {
    const matching = this.samples.filter((s) => s.name === name && sameLabels(s.labels, labels));
    if (matching.length > 1) throw new Error(`${matching.length} samples of ${name} with ${JSON.stringify(labels)}`);
    return matching[0]?.value ?? 0;
  }
  has(name: string, labels: Record<string, string> = {}): boolean {
    return this.samples.some((s) => s.name === name && sameLabels(s.labels, labels));
  }
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

const kinds = await testDatabaseKinds();
for (const kind of kinds) {
  describe(`/metrics shows the business on ${kind}`, () => {
    let h: Harness;
    let healthy: Awaited<ReturnType<typeof startReceiver>>;
    let broken: Awaited<ReturnType<typeof startReceiver>>;
    beforeAll(async () => {
      healthy = await startReceiver(() => 200);
      broken = await startReceiver(() => 500);
      // A buyer who takes long enough to confirm that the test sees the resolver's task; one quick retry.
      h = await startHarness(kind, { simConfirmDelayMs: 2500, buyerConfirmDeadlineMs: 10_000, notifyRetryScheduleS: [0.2], notifyTimeoutMs: 2000 });
    });
    afterAll(async () => {
      await h?.close();
      await healthy?.close();
      await broken?.close();
    });

    async function scrape(): Promise<Scrape> {
      const response = await fetch(`${h.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return new Scrape(parseExposition(await response.text()).samples);
    }
    const pay = (barcode: string, extra: Record<string, unknown> = {}) =>
      h.api('POST', '/v1/payments', { amount: 1234, currency: 'CNY', merchant_order_id: orderId(barcode.slice(-1)), barcode, ...extra });

    it('describes every business metric with HELP and TYPE', async () => {
      const { help, type } = parseExposition(await (await fetch(`${h.url}/metrics`)).text());
      const expected = {
        counterpay_payments_total: 'counter',
        counterpay_refunds_total: 'counter',
        counterpay_wallet_call_duration_seconds: 'histogram',
        counterpay_notification_deliveries_total: 'counter',
        counterpay_resolver_tasks: 'gauge',
        counterpay_resolver_tasks_due: 'gauge',
        counterpay_resolver_oldest_due_task_age_seconds: 'gauge',
        counterpay_notification_backlog: 'gauge',
        counterpay_notification_backlog_due: 'gauge',
        counterpay_notification_oldest_pending_age_seconds: 'gauge',
      };
      for (const [name, t] of Object.entries(expected)) {
        expect(type.get(name), name).toBe(t);
        expect(help.get(name), name).toBeTruthy();
      }
    });

    it('counts payments and refunds by final outcome, wallet calls by operation, and notification deliveries', async () => {
      const before = await scrape();
      const ok = await pay(CODES.alipay.succeeds, { notify_url: healthy.url });
      const refused = await pay(CODES.alipay.insufficient, { notify_url: broken.url });
      const wechat = await pay(CODES.wechat.succeeds);
      expect([ok.body.status, refused.body.status, wechat.body.status]).toEqual(['succeeded', 'failed', 'succeeded']);
      const refund = await h.api('POST', `/v1/payments/${ok.body.id}/refunds`, { amount: 200 });
      expect(refund.body.status).toBe('succeeded');

      const after = await scrape();
      const delta = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
      expect(delta('counterpay_payments_total', { wallet: 'alipay', flow: 'barcode', outcome: 'succeeded' })).toBe(1);
      expect(delta('counterpay_payments_total', { wallet: 'alipay', flow: 'barcode', outcome: 'failed' })).toBe(1);
      expect(delta('counterpay_payments_total', { wallet: 'wechat', flow: 'barcode', outcome: 'succeeded' })).toBe(1);
      expect(delta('counterpay_payments_total', { wallet: 'wechat', flow: 'barcode', outcome: 'failed' })).toBe(0);
      expect(delta('counterpay_refunds_total', { wallet: 'alipay', outcome: 'succeeded' })).toBe(1);

      // Every request to a wallet is timed: two Alipay pays, one WeChat pay, one Alipay refund, all answered.
      const calls = (wallet: string, operation: string) => delta('counterpay_wallet_call_duration_seconds_count', { wallet, operation, outcome: 'answered' });
      expect(calls('alipay', 'pay')).toBe(2);
      expect(calls('wechat', 'pay')).toBe(1);
      expect(calls('alipay', 'refund')).toBe(1);
      const payLabels = { wallet: 'alipay', operation: 'pay', outcome: 'answered' };
      expect(after.value('counterpay_wallet_call_duration_seconds_bucket', { ...payLabels, le: '+Inf' })).toBe(after.value('counterpay_wallet_call_duration_seconds_count', payLabels));
      expect(delta('counterpay_wallet_call_duration_seconds_sum', payLabels)).toBeGreaterThan(0);

      // The healthy receiver takes its notifications at once; the broken one is retried once, then given up.
      const settled = await waitUntil(
        scrape,
        (s) => s.value('counterpay_notification_deliveries_total', { outcome: 'failed' }) - before.value('counterpay_notification_deliveries_total', { outcome: 'failed' }) >= 1,
        10_000,
      );
      const deliveries = (outcome: string) => settled.value('counterpay_notification_deliveries_total', { outcome }) - before.value('counterpay_notification_deliveries_total', { outcome });
      expect(deliveries('delivered')).toBeGreaterThanOrEqual(1);
      expect(deliveries('retry')).toBe(1);
      expect(deliveries('failed')).toBe(1);
      expect(healthy.received.length).toBeGreaterThanOrEqual(1);
      expect(broken.received).toHaveLength(2);
      expect(settled.has('counterpay_notification_backlog')).toBe(true);
      expect(settled.value('counterpay_notification_backlog')).toBeGreaterThanOrEqual(0);
      expect(settled.value('counterpay_notification_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
    });

    it('shows a waiting payment in the resolver backlog, and counts it when the resolver finalizes it', async () => {
      const resolver = h.gateway.services.workers.find((w) => (w as unknown as { options: { name: string } }).options.name === 'resolver')!;
      expect(resolver).toBeTruthy();
      const before = await scrape();
      // With the resolver stopped, the task of a payment waiting for the buyer's password becomes due and stays.
      await resolver.stop();
      try {
        const waiting = await pay(CODES.wechat.password, { wait_seconds: 0 });
        expect(waiting.body.status).toBe('processing');
        const queued = await scrape();
        expect(queued.value('counterpay_resolver_tasks', { kind: 'payment' })).toBeGreaterThanOrEqual(1);
        expect(queued.value('counterpay_resolver_oldest_due_task_age_seconds', { kind: 'payment' })).toBeGreaterThanOrEqual(0);
        expect(queued.value('counterpay_resolver_tasks', { kind: 'refund' })).toBe(0);
        const due = await waitUntil(scrape, (s) => s.value('counterpay_resolver_oldest_due_task_age_seconds', { kind: 'payment' }) > 0.2, 5000);
        expect(due.value('counterpay_resolver_tasks_due', { kind: 'payment' })).toBe(1);
        expect(due.value('counterpay_resolver_tasks', { kind: 'payment' })).toBe(1);
        expect(due.value('counterpay_payments_total', { wallet: 'wechat', flow: 'barcode', outcome: 'succeeded' })).toBe(
          before.value('counterpay_payments_total', { wallet: 'wechat', flow: 'barcode', outcome: 'succeeded' }),
        );
      } finally {
        resolver.start();
      }
      // The resolver queries until the buyer has confirmed, and the payment it finalizes is counted.
      const done = await waitUntil(
        scrape,
        (s) => s.value('counterpay_resolver_tasks', { kind: 'payment' }) === 0,
        10_000,
      );
      const label = { wallet: 'wechat', flow: 'barcode', outcome: 'succeeded' };
      expect(done.value('counterpay_payments_total', label) - before.value('counterpay_payments_total', label)).toBe(1);
      expect(done.value('counterpay_resolver_tasks_due', { kind: 'payment' })).toBe(0);
      expect(done.value('counterpay_resolver_oldest_due_task_age_seconds', { kind: 'payment' })).toBe(0);
      const queries = { wallet: 'wechat', operation: 'query', outcome: 'answered' };
      expect(done.value('counterpay_wallet_call_duration_seconds_count', queries) - before.value('counterpay_wallet_call_duration_seconds_count', queries)).toBeGreaterThanOrEqual(1);
    });
  });
}

/**
 * Counters count in each instance; a payment is counted by the one instance whose status change won, so
 * the sum over instances is the number of payments, whichever instance's request or resolver finalized it.
 * Backlogs are read from the shared database, so every instance shows the same.
 */
describe.runIf(kinds.includes('postgres'))('/metrics across two gateway instances on PostgreSQL', () => {
  let h: ProcessHarness;
  beforeAll(async () => {
    h = await startProcessHarness('postgres', { instances: 2 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('counts each payment once in the sum over instances, and both show the same backlog', { timeout: 120_000 }, async () => {
    const codes = [CODES.alipay.succeeds, CODES.wechat.password, CODES.alipay.insufficient, CODES.alipay.password, CODES.wechat.succeeds];
    const created: string[] = [];
    for (let i = 0; i < 20; i++) {
      const gateway = h.gateways[i % 2]!;
      const { body } = await h.api(
        'POST',
        '/v1/payments',
        { amount: 100 + i, currency: 'CNY', merchant_order_id: orderId(`multi${i}`), barcode: codes[i % codes.length], wait_seconds: 0 },
        {},
        { baseUrl: gateway.url },
      );
      created.push(body.id);
    }
    const rows = await waitUntil(
      () => h.db.selectFrom('payments').select(['wallet', 'flow', 'status']).where('id', 'in', created).execute(),
      (all) => all.every((p) => p.status !== 'processing'),
      30_000,
      250,
    );
    expect(rows).toHaveLength(20);
    const scrapes = await Promise.all(h.gateways.map(async (g) => new Scrape(parseExposition(await (await fetch(`${g.url}/metrics`)).text()).samples)));
    for (const wallet of ['alipay', 'wechat']) {
      for (const outcome of ['succeeded', 'failed', 'closed']) {
        const labels = { wallet, flow: 'barcode', outcome };
        const inDatabase = rows.filter((r) => r.wallet === wallet && r.status === outcome).length;
        const counted = scrapes.reduce((sum, s) => sum + s.value('counterpay_payments_total', labels), 0);
        expect(counted, JSON.stringify(labels)).toBe(inDatabase);
      }
    }
    // The payments waiting for the password were finalized by whichever instance's resolver claimed them, and
    // counted there; the shared backlog reads empty in both instances.
    for (const s of scrapes) {
      expect(s.value('counterpay_resolver_tasks', { kind: 'payment' })).toBe(0);
      expect(s.value('counterpay_resolver_tasks_due', { kind: 'payment' })).toBe(0);
    }
  });
});
