/**
 * A counterpay deployment on SQLite made once per run: a merchant (through the CLI) and one real
 * barcode payment with a notify_url, delivered. Scenarios get a private copy of its database, so each
 * starts from the same state (the simulator's database too) without paying for `merchants create` again; the lookups clone its payment
 * row and the notification scenario its event and delivery rows.
 */
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Context } from './context.ts';
import { authHeaders, counterpayEnv, createMerchant, type Merchant, startGateway, startSimulator, WECHAT_CODE } from './counterpay.ts';
import { type Child, startProcess, stopAll, tsEntry } from './processes.ts';

export interface Deployment {
  dataDir: string;
  file: string;
  env: Record<string, string>;
  merchant: Merchant;
  /** The real payment, its payment.succeeded event and that event's (delivered) notify_url delivery. */
  paymentId: string;
  eventId: string;
  deliveryId: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startReceivers(count: number, dead: number): Promise<Child> {
  return startProcess('notification receivers', tsEntry('servers/notify-receivers.ts'), { env: { RECEIVERS: String(count), DEAD: String(dead) }, readyPattern: /receivers (\[.*\])/ });
}

let base: Promise<Deployment> | undefined;

async function makeBase(ctx: Context): Promise<Deployment> {
  const dataDir = join(ctx.settings.dataRoot, 'base');
  mkdirSync(dataDir, { recursive: true });
  const env = counterpayEnv(dataDir);
  const file = join(dataDir, 'counterpay.db');
  const merchant = await createMerchant(env);
  let sim: Child | undefined;
  let gateway: Child | undefined;
  let receivers: Child | undefined;
  try {
    receivers = await startReceivers(1, 0);
    sim = await startSimulator(env);
    gateway = await startGateway(env, sim.ready);
    const response = await fetch(`${gateway.ready}/v1/payments`, {
      method: 'POST',
      headers: { ...authHeaders(merchant), 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 100, currency: 'CNY', merchant_order_id: 'template', barcode: WECHAT_CODE, notify_url: (JSON.parse(receivers.ready) as string[])[0] }),
    });
    const payment = (await response.json()) as { id?: string; status?: string };
    if (payment.status !== 'succeeded' || !payment.id) throw new Error(`bench: the template payment is ${JSON.stringify(payment)}`);
    const db = new Database(file, { readonly: true });
    try {
      const find = db.prepare("select d.id as deliveryId, d.event_id as eventId from deliveries d join events e on e.id = d.event_id where e.object_id = ? and d.status = 'delivered'");
      for (let i = 0; i < 200; i++) {
        const row = find.get(payment.id) as { deliveryId: string; eventId: string } | undefined;
        if (row) return { dataDir, file, env, merchant, paymentId: payment.id, ...row };
        await sleep(100);
      }
    } finally {
      db.close();
    }
    throw new Error('bench: the template payment\'s notification was not delivered within 20 s');
  } finally {
    await stopAll([receivers, sim, gateway]);
    // Both databases (the gateway's and the simulator's, which knows the merchant's wallet accounts) whole in their files.
    for (const name of readdirSync(dataDir).filter((f) => f.endsWith('.db'))) {
      const db = new Database(join(dataDir, name));
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    }
  }
}

/** A private copy of the base deployment in DATA_ROOT/<name>, with extra environment. */
export async function deployment(ctx: Context, name: string, extraEnv: Record<string, string> = {}): Promise<Deployment> {
  const b = await (base ??= makeBase(ctx));
  const dataDir = join(ctx.settings.dataRoot, name);
  cpSync(b.dataDir, dataDir, { recursive: true });
  const file = join(dataDir, 'counterpay.db');
  return { ...b, dataDir, file, env: counterpayEnv(dataDir, extraEnv) };
}
