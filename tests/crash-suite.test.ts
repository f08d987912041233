import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProcessHarness, startProcessHarness } from './support/harness.ts';
import { waitUntil } from './support/wait.ts';

const RUN_MS = 24_000;
const KILLS = 3;

/**
 * kill -9 the gateway three times at random moments under a steady stream of payments. Afterwards:
 * every payment a response acknowledged as succeeded is succeeded in the database, nothing stays
 * processing, and the books match the wallets' (nothing charged twice, nothing charged unknown).
 */
describe('crash suite: kill -9 under load', () => {
  let h: ProcessHarness;

  beforeAll(async () => {
    h = await startProcessHarness('sqlite');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('loses nothing and charges nothing twice across three kill -9', { timeout: 180_000 }, async () => {
    const acknowledged = new Map<string, string>(); // payment id → status the API answered
    let sent = 0;
    let connectionErrors = 0;
    const codes = ['280000000000000001', '130000000000000001', '280000000000000002', '130000000000000006', '280000000000000005'];
    const stopAt = Date.now() + RUN_MS;

    async function client(worker: number): Promise<void> {
      while (Date.now() < stopAt) {
        const i = sent++;
        try {
          const response = await h.api<{ id: string; status: string }>(
            'POST',
            '/v1/payments',
            { amount: 100 + i, currency: 'CNY', merchant_order_id: `crash-${worker}-${i}`, barcode: codes[i % codes.length], wait_seconds: 2 },
            { 'idempotency-key': randomUUID() },
            { timeoutMs: 10_000 },
          );
          if (response.status === 200) acknowledged.set(response.body.id, response.body.status);
        } catch {
          connectionErrors++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }

    const gateway = h.gateways[0]!;
    async function killer(): Promise<void> {
      for (let k = 0; k < KILLS; k++) {
        const slot = RUN_MS / KILLS;
        await new Promise((r) => setTimeout(r, slot * 0.3 + Math.random() * slot * 0.5));
        await gateway.kill9();
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 500));
        await gateway.start();
      }
    }

    const started = Date.now();
    await Promise.all([killer(), ...Array.from({ length: 6 }, (_, w) => client(w))]);

    // After the last restart every processing payment must converge within deadline + 30 s.
    const convergeStart = Date.now();
    const rows = await waitUntil(
      () => h.db.selectFrom('payments').select(['id', 'status']).execute(),
      (all) => all.every((p) => p.status !== 'processing'),
      h.timings.buyerConfirmDeadlineMs + 30_000,
      250,
    );
    const convergedMs = Date.now() - convergeStart;
    const byId = new Map(rows.map((r) => [r.id, r.status]));
    const stuck = rows.filter((r) => r.status === 'processing');
    const lost = [...acknowledged].filter(([id, status]) => status === 'succeeded' && byId.get(id) !== 'succeeded');
    const report = await h.reconcile();
    console.log(
      `crash suite: ${rows.length} payments (${acknowledged.size} acknowledged, ${connectionErrors} connection errors) in ${Date.now() - started} ms ` +
        `with ${KILLS} kill -9; converged ${convergedMs} ms after the run; stuck ${stuck.length}, lost ${lost.length}, mismatches ${report.mismatches.length}`,
    );
    expect(connectionErrors).toBeGreaterThan(0); // the kills really interrupted requests
    expect(stuck).toEqual([]);
    expect(lost).toEqual([]);
    expect(report.mismatches).toEqual([]);
    expect(rows.filter((r) => r.status === 'succeeded').length).toBeGreaterThan(20);
  });
});
