/**
 * Notification throughput with dead receivers: N events, each with one delivery to one of 100 local
 * receivers, inserted in bulk into the gateway's outbox tables (clones of a real event and delivery),
 * then a gateway process with its workers delivers them. Run once with every receiver healthy and once
 * with 10 of them accepting the connection and never answering; deliveries/s of the healthy ones compared.
 */
import Database from 'better-sqlite3';
import type { Context } from '../lib/context.ts';
import { startGateway } from '../lib/counterpay.ts';
import { deployment, startReceivers } from '../lib/deployment.ts';
import { cpuMeter, memoryBreakdown, rssMb } from '../lib/proc-stats.ts';
import { type Child, stopAll } from '../lib/processes.ts';
import { ratio } from '../lib/report.ts';

const RECEIVERS = 100;
const DEAD = 10;
const FAR_FUTURE = '9999-01-01T00:00:00.000Z';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Inserts `events` clones of the template event, each with one delivery (far in the future, so nothing starts yet). */
function seedEvents(file: string, tpl: { eventId: string; deliveryId: string }, urls: string[], events: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  try {
    const event = db.prepare('select * from events where id = ?').get(tpl.eventId) as Record<string, unknown>;
    const delivery = db.prepare('select * from deliveries where id = ?').get(tpl.deliveryId) as Record<string, unknown>;
    const eventCols = Object.keys(event);
    const deliveryCols = Object.keys(delivery);
    const insertEvent = db.prepare(`insert into events (${eventCols.join(', ')}) values (${eventCols.map(() => '?').join(', ')})`);
    const insertDelivery = db.prepare(`insert into deliveries (${deliveryCols.join(', ')}) values (${deliveryCols.map(() => '?').join(', ')})`);
    const payload = JSON.parse(String(event.payload)) as { id: string };
    const stamp = Date.now().toString(36).padStart(10, '0');
    db.transaction(() => {
      const e = { ...event };
      const d = { ...delivery };
      for (let i = 0; i < events; i++) {
        const eventId = `evt_${stamp}b${i.toString(36).padStart(13, '0')}`;
        e.id = eventId;
        e.payload = JSON.stringify({ ...payload, id: eventId });
        insertEvent.run(eventCols.map((c) => e[c]));
        Object.assign(d, { id: `dlv_${stamp}b${i.toString(36).padStart(13, '0')}`, event_id: eventId, url: urls[i % urls.length], status: 'pending', attempts: 0, next_attempt_at: FAR_FUTURE, lease_owner: null, lease_until: null, delivered_at: null });
        insertDelivery.run(deliveryCols.map((c) => d[c]));
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

interface NotifyRun {
  rate: number;
  delivered: number;
  expected: number;
  seconds: number;
  complete: boolean;
  gatewayCpuUs: number;
  rss: number;
  memory: string;
}

async function runOnce(ctx: Context, name: string, dead: number): Promise<NotifyRun> {
  const { settings } = ctx;
  const tpl = await deployment(ctx, `notifications-${name}`, { NOTIFY_TIMEOUT_MS: String(settings.notifyTimeoutMs) });
  const { env, file } = tpl;
  let receivers: Child | undefined;
  let gateway: Child | undefined;
  try {
    receivers = await startReceivers(RECEIVERS, dead);
    const urls = JSON.parse(receivers.ready) as string[];
    seedEvents(file, tpl, urls, settings.notifyEvents);
    const expected = Array.from({ length: settings.notifyEvents }, (_, i) => i % urls.length >= dead).filter(Boolean).length;
    gateway = await startGateway(env, 'http://127.0.0.1:9', `counterpay serve (notifications, ${name})`);
    const db = new Database(file);
    db.pragma('busy_timeout = 10000');
    try {
      const delivered = db.prepare("select count(*) as n from deliveries where status = 'delivered' and id <> ?");
      const meter = cpuMeter([gateway.pid]);
      const started = performance.now();
      db.prepare('update deliveries set next_attempt_at = ? where next_attempt_at = ?').run(new Date().toISOString(), FAR_FUTURE);
      let n = 0;
      const deadline = started + settings.notifyMaxS * 1000;
      while (performance.now() < deadline) {
        n = (delivered.get(tpl.deliveryId) as { n: number }).n;
        if (n >= expected) break;
        await sleep(100);
      }
      const seconds = (performance.now() - started) / 1000;
      const [cpu] = meter.stop();
      return { rate: n / seconds, delivered: n, expected, seconds, complete: n >= expected, gatewayCpuUs: cpu! / Math.max(n, 1), rss: rssMb(gateway.pid), memory: await memoryBreakdown(gateway.ready, gateway.pid) };
    } finally {
      db.close();
    }
  } finally {
    await stopAll([receivers, gateway]);
  }
}

export async function notifications(ctx: Context): Promise<void> {
  const { settings, report } = ctx;
  const healthy = await runOnce(ctx, 'healthy', 0);
  const withDead = await runOnce(ctx, 'dead', DEAD);
  const r = withDead.rate / healthy.rate;
  const describe = (x: NotifyRun) => `${Math.round(x.rate)} deliveries/s (${x.delivered}/${x.expected} in ${x.seconds.toFixed(1)} s${x.complete ? '' : ', STOPPED at the time bound'})`;
  report.line('notifications', `${settings.notifyEvents} events to ${RECEIVERS} receivers, timeout ${settings.notifyTimeoutMs} ms: healthy ${describe(healthy)}; with ${DEAD} dead ${describe(withDead)}; ratio ${r.toFixed(2)}`);
  for (const [label, x] of [['all 100 receivers healthy', healthy], [`${DEAD} of 100 receivers dead`, withDead]] as const) {
    report.row({ scenario: `notifications, ${label}`, rate: x.rate, unit: 'deliveries/s', gatewayCpuUs: x.gatewayCpuUs, rssMb: x.rss, ratios: x === withDead ? `rate ${ratio(r)} healthy` : '' });
    ctx.rss.push({ scenario: `notifications (${label})`, mb: x.rss });
    report.note(`gateway memory after notifications (${label}): ${x.memory}`);
    if (!x.complete) report.note(`notifications (${label}): ${x.delivered} of ${x.expected} healthy deliveries done when the ${settings.notifyMaxS} s bound stopped the run; the rate is over that time`);
  }
  report.check('notifications with 10% dead ≥ 0.9× healthy', `${Math.round(withDead.rate)} vs ${Math.round(healthy.rate)} deliveries/s = ${ratio(r)}`, '≥ 0.9×', r >= 0.9);
}
