import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '@counterpay/core';
import { type DatabaseHandle, connectDatabase } from '@counterpay/db';
import { createMerchant } from '@counterpay/gateway';
import { startSimulator } from '@counterpay/walletsim';
import { GatewayProcess, freePort } from './support/gateway-process.ts';
import { startReceiver } from './support/receiver.ts';
import { waitUntil } from './support/wait.ts';

const MASTER_KEY = 'notify-crash-master-key';

/** kill -9 the gateway while it is delivering to a slow receiver: after a restart nothing is lost. */
describe('notifications across a killed gateway', () => {
  let dataDir: string;
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let database: DatabaseHandle;
  let gateway: GatewayProcess;
  let secretKey: string;
  // Slow answers keep deliveries in flight when the kill comes.
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'counterpay-notify-crash-'));
    sim = await startSimulator({ host: '127.0.0.1', port: 0, logger: false });
    database = await connectDatabase({ dataDir });
    secretKey = (await createMerchant(database, MASTER_KEY, { name: 'Notify Shop' })).secret_key;
    receiver = await startReceiver((i) => (i % 3 === 0 ? 'hang' : 200));
    gateway = new GatewayProcess(await freePort(), { DATA_DIR: dataDir, SIM_URL: sim.url, COUNTERPAY_MASTER_KEY: MASTER_KEY, NOTIFY_RETRY_SCHEDULE: '0.2,0.2,0.5,0.5,1,1,1', NOTIFY_TIMEOUT_MS: '500' });
    await gateway.start();
  });
  afterAll(async () => {
    await gateway?.stop();
    await receiver?.close();
    await database?.close();
    await sim?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every event after a kill -9 in the middle of deliveries', { timeout: 90_000 }, async () => {
    const api = (path: string, body: unknown) =>
      fetch(`${gateway.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
    await api('/v1/webhook_endpoints', { url: receiver.url });
    for (let i = 0; i < 25; i++) await api('/v1/payments', { amount: 100 + i, currency: 'CNY', merchant_order_id: `nc-${i}`, barcode: i % 2 ? '280000000000000001' : '130000000000000001' });
    await gateway.kill9();
    const pendingAtKill = await database.db.selectFrom('deliveries').select('id').where('status', '=', 'pending').execute();
    await new Promise((r) => setTimeout(r, 300));
    await gateway.start();
    const events = await database.db.selectFrom('events').select('id').execute();
    const all = await waitUntil(
      () => database.db.selectFrom('deliveries').select(['status']).execute(),
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
