import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProcessHarness, startProcessHarness } from './support/harness.ts';
import { startReceiver } from './support/receiver.ts';
import { waitUntil } from './support/wait.ts';

/** kill -9 the gateway while it is delivering to a slow receiver: after a restart nothing is lost. */
describe('notifications across a killed gateway', () => {
  let h: ProcessHarness;
  // Slow answers keep deliveries in flight when the kill comes.
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver((i) => (i % 3 === 0 ? 'hang' : 200));
    h = await startProcessHarness('sqlite', { notifyRetryScheduleS: [0.2, 0.2, 0.5, 0.5, 1, 1, 1], notifyTimeoutMs: 500 });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it('delivers every event after a kill -9 in the middle of deliveries', { timeout: 90_000 }, async () => {
    const gateway = h.gateways[0]!;
    await h.api('POST', '/v1/webhook_endpoints', { url: receiver.url });
    for (let i = 0; i < 25; i++) await h.api('POST', '/v1/payments', { amount: 100 + i, currency: 'CNY', merchant_order_id: `nc-${i}`, barcode: i % 2 ? '280000000000000001' : '130000000000000001' });
    await gateway.kill9();
    const pendingAtKill = await h.db.selectFrom('deliveries').select('id').where('status', '=', 'pending').execute();
    await new Promise((r) => setTimeout(r, 300));
    await gateway.start();
    const events = await h.db.selectFrom('events').select('id').execute();
    const all = await waitUntil(
      () => h.db.selectFrom('deliveries').select(['status']).execute(),
      (rows) => rows.length === events.length && rows.every((d) => d.status === 'delivered'),
      30_000,
      200,
    );
    console.log(`notifications crash: ${events.length} events, ${pendingAtKill.length} deliveries pending at the kill, ${receiver.received.length} requests received`);
    expect(events).toHaveLength(25);
    expect(pendingAtKill.length).toBeGreaterThan(0); // the kill really interrupted deliveries
    expect(all.every((d) => d.status === 'delivered')).toBe(true);
    expect(receiver.uniqueEventIds()).toEqual(new Set(events.map((e) => e.id)));
  });
});
