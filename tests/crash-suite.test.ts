import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '@counterpay/core';
import { connectDatabase, type DatabaseHandle } from '@counterpay/db';
import { createMerchant, fetchSimulatorLedger, reconcile } from '@counterpay/gateway';
import { startSimulator } from '@counterpay/walletsim';
import { GatewayProcess, freePort } from './support/gateway-process.ts';
import { waitUntil } from './support/wait.ts';

const MASTER_KEY = 'crash-suite-master-key';
const RUN_MS = 24_000;
const KILLS = 3;

/**
 * kill -9 the gateway three times at random moments under a steady stream of payments. Afterwards:
 * every payment a response acknowledged as succeeded is succeeded in the database, nothing stays
 * processing, and the books match the wallets' (nothing charged twice, nothing charged unknown).
 */
describe('crash suite: kill -9 under load', () => {
  let dataDir: string;
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let database: DatabaseHandle;
  let gateway: GatewayProcess;
  let secretKey: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'counterpay-crash-'));
    sim = await startSimulator({ host: '127.0.0.1', port: 0, confirmDelayMs: 1500, lostAnswerDelayMs: 2500, logger: false });
    database = await connectDatabase({ dataDir });
    secretKey = (await createMerchant(database, MASTER_KEY, { name: 'Crash Shop' })).secret_key;
    gateway = new GatewayProcess(await freePort(), { DATA_DIR: dataDir, SIM_URL: sim.url, COUNTERPAY_MASTER_KEY: MASTER_KEY });
    await gateway.start();
  });
  afterAll(async () => {
    await gateway?.stop();
    await database?.close();
    await sim?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
          const response = await fetch(`${gateway.url}/v1/payments`, {
            method: 'POST',
            headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
            body: JSON.stringify({ amount: 100 + i, currency: 'CNY', merchant_order_id: `crash-${worker}-${i}`, barcode: codes[i % codes.length], wait_seconds: 2 }),
            signal: AbortSignal.timeout(10_000),
          });
          if (response.ok) {
            const body = (await response.json()) as { id: string; status: string };
            acknowledged.set(body.id, body.status);
          }
        } catch {
          connectionErrors++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }

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
      () => database.db.selectFrom('payments').select(['id', 'status']).execute(),
      (all) => all.every((p) => p.status !== 'processing'),
      33_000,
      250,
    );
    const convergedMs = Date.now() - convergeStart;
    const byId = new Map(rows.map((r) => [r.id, r.status]));
    const stuck = rows.filter((r) => r.status === 'processing');
    const lost = [...acknowledged].filter(([id, status]) => status === 'succeeded' && byId.get(id) !== 'succeeded');
    const report = await reconcile(database, MASTER_KEY, await fetchSimulatorLedger(sim.url));
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
