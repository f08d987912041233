import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '@counterpay/db/test-databases';
import { type ProcessHarness, startProcessHarness } from './support/harness.ts';
import { mapPool } from './support/pool.ts';
import { waitUntil } from './support/wait.ts';

const PAYMENTS = 150;

/**
 * Three gateway processes share one PostgreSQL database; one is killed mid-run. Its claims expire
 * and the others finish its work; no resolver task is ever worked by two instances at once.
 */
const kinds = await testDatabaseKinds();
describe.runIf(kinds.includes('postgres'))('several gateway instances on PostgreSQL', () => {
  let h: ProcessHarness;

  beforeAll(async () => {
    h = await startProcessHarness('postgres', { instances: 3 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('converges with one instance killed, and never works one task from two instances at once', { timeout: 180_000 }, async () => {
    const codes = ['280000000000000001', '130000000000000002', '280000000000000006', '130000000000000005', '280000000000000002'];
    const started = Date.now();
    let killed = false;
    await mapPool(Array.from({ length: PAYMENTS }, (_, i) => i), 15, async (i) => {
      if (i === PAYMENTS / 3 && !killed) {
        killed = true;
        // Kill an instance that has done work: on a loaded machine the first wallet calls can still be in
        // flight when a third of the payments are sent, and an instance killed before any would prove nothing.
        const instancesAtWork = () => h.db.selectFrom('wallet_calls').select('instance_id').distinct().execute();
        await waitUntil(instancesAtWork, (rows) => rows.length >= 3, 15_000, 100);
        await h.gateways[0]!.kill9();
      }
      const alive = h.gateways.filter((g) => g.alive);
      const target = alive[i % alive.length]!;
      try {
        await h.api(
          'POST',
          '/v1/payments',
          { amount: 100 + i, currency: 'CNY', merchant_order_id: `multi-${i}`, barcode: codes[i % codes.length], wait_seconds: 0 },
          {},
          { baseUrl: target.url, timeoutMs: 10_000 },
        );
      } catch {
        // the instance was killed under this request; the payment (if written) is resolved by the others
      }
    });

    const rows = await waitUntil(
      () => h.db.selectFrom('payments').select(['id', 'status']).execute(),
      (all) => all.every((p) => p.status !== 'processing'),
      60_000,
      250,
    );
    expect(rows.filter((r) => r.status === 'processing')).toEqual([]);

    const calls = await h.db.selectFrom('wallet_calls').select(['payment_id', 'instance_id', 'created_at', 'latency_ms']).orderBy('created_at').execute();
    const perPayment = new Map<string, typeof calls>();
    for (const call of calls) perPayment.set(call.payment_id!, [...(perPayment.get(call.payment_id!) ?? []), call]);
    const overlaps: string[] = [];
    for (const [paymentId, list] of perPayment) {
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1]!;
        const cur = list[i]!;
        const prevEnd = Date.parse(prev.created_at) + prev.latency_ms;
        if (cur.instance_id !== prev.instance_id && Date.parse(cur.created_at) < prevEnd - 5) overlaps.push(paymentId);
      }
    }
    const instances = new Set(calls.map((c) => c.instance_id));
    const report = await h.reconcile();
    const queries = calls.length / Math.max(1, perPayment.size);
    console.log(
      `multi-instance: ${rows.length} payments over ${instances.size} instances (one killed) converged in ${Date.now() - started} ms; ` +
        `${calls.length} wallet calls (${queries.toFixed(1)} per payment); overlapping calls ${overlaps.length}; mismatches ${JSON.stringify(report.mismatches)}`,
    );
    expect(instances.size).toBeGreaterThanOrEqual(3);
    expect(overlaps).toEqual([]);
    expect(report.mismatches).toEqual([]);
  });
});
