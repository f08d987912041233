import { type Server, createServer } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox, verifyNotification } from '@counterpay/core';
import { type TestDatabase, openTestDatabase } from '@counterpay/db/test-databases';
import { loadConfig } from '../config.ts';
import { DeliveryRepository } from '../repositories/delivery-repository.ts';
import { appendEvent } from '../repositories/event-outbox.ts';
import { EventRepository } from '../repositories/event-repository.ts';
import { insertDialectCredential, insertMerchant, insertPayment, paymentEvent } from '../repositories/notification-test-fixtures.ts';
import { WebhookEndpointRepository } from '../repositories/webhook-endpoint-repository.ts';
import { DeliveryWorker } from './delivery-worker.ts';
import { NotificationFormats } from './format-registry.ts';
import type { NotificationFormat } from './notification-format.ts';

const box = new SecretBox('worker-test-key');

/** A dialect's format as a dialect folder would register it: its own body, its secret, its own acknowledgement. */
const echoFormat: NotificationFormat = {
  dialect: 'echo',
  eventTypes: ['payment.succeeded'],
  secretSource: 'dialect',
  render: (ctx) => ({ body: JSON.stringify({ echo: ctx.event.id, livemode: ctx.event.livemode, secret: ctx.secret, account: ctx.account?.accountId }), headers: { 'content-type': 'application/json' } }),
  acknowledged: (status, body) => status === 200 && body === 'ECHO-OK',
};

interface Received {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Records every request; `answer` decides the reply body (status 200). */
async function startReceiver(answer: () => string = () => 'ok') {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ body, headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/plain' }).end(answer());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('delivery worker', () => {
  let t: TestDatabase;
  let repositories: { deliveries: DeliveryRepository; events: EventRepository; endpoints: WebhookEndpointRepository };
  let worker: DeliveryWorker;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let reply = 'ok';
  const config = loadConfig({}, { masterKey: 'unused', notifyTimeoutMs: 1000, notifyRetryScheduleS: [0, 0] });

  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
    repositories = { deliveries: new DeliveryRepository(t.handle.db, 'sqlite'), events: new EventRepository(t.handle.db), endpoints: new WebhookEndpointRepository(t.handle.db, box) };
    worker = new DeliveryWorker(repositories, new NotificationFormats().register(echoFormat), config, 'worker-test', pino({ enabled: false }));
    receiver = await startReceiver(() => reply);
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.cleanup();
  });

  /** Claims and delivers everything due, as the notifier's loop does, until nothing is due. */
  async function runDue(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const due = await worker.claim(10);
      if (due.length === 0) return;
      await Promise.all(due.map((d) => worker.deliver(d)));
    }
  }

  it('should post a live event to the live endpoint only, signed with its secret, and log the attempt', async () => {
    reply = 'ok';
    const merchantId = await insertMerchant(t.handle.db);
    const secret = 'whsec_live_endpoint_secret';
    const live = await repositories.endpoints.create({ merchantId, livemode: true }, { url: receiver.url, eventTypes: ['*'], secret });
    await repositories.endpoints.create({ merchantId, livemode: false }, { url: `${receiver.url}?test`, eventTypes: ['*'], secret: 'whsec_test' });
    const eventId = await appendEvent(t.handle.db, paymentEvent(await insertPayment(t.handle.db, merchantId, { livemode: true })));
    const before = receiver.received.length;
    await runDue();
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!.body)).toMatchObject({ id: eventId, object: 'event', livemode: true, type: 'payment.succeeded' });
    expect(got[0]!.headers['counterpay-event-id']).toBe(eventId);
    expect(() => verifyNotification(got[0]!.body, got[0]!.headers['counterpay-signature'] as string, secret)).not.toThrow();
    const [delivery] = await repositories.deliveries.listForEvent(eventId);
    expect(delivery).toMatchObject({ endpointId: live.id, status: 'delivered', attempts: 1 });
    expect(delivery!.attemptLog).toMatchObject([{ httpStatus: 200, responseExcerpt: 'ok', error: null }]);
  });

  it('should render a payment of a registered dialect in its format, signed with that dialect\'s secret of the event\'s mode', async () => {
    reply = 'ECHO-OK';
    const merchantId = await insertMerchant(t.handle.db);
    await insertDialectCredential(t.handle.db, box, merchantId, 'echo', false, 'echo-test-secret');
    await insertDialectCredential(t.handle.db, box, merchantId, 'echo', true, 'echo-live-secret');
    const eventId = await appendEvent(t.handle.db, paymentEvent(await insertPayment(t.handle.db, merchantId, { livemode: true, dialect: 'echo', notifyUrl: receiver.url })));
    const before = receiver.received.length;
    await runDue();
    expect(receiver.received.slice(before).map((r) => JSON.parse(r.body))).toEqual([{ echo: eventId, livemode: true, secret: 'echo-live-secret', account: `acct-echo-live-${merchantId}` }]);
    expect((await repositories.deliveries.listForEvent(eventId))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('should send a native endpoint the native event of a dialect payment, and the payment\'s notify_url the dialect\'s format', async () => {
    reply = 'ECHO-OK';
    const merchantId = await insertMerchant(t.handle.db);
    await insertDialectCredential(t.handle.db, box, merchantId, 'echo', false, 'echo-test-secret');
    const secret = 'whsec_native_endpoint';
    const endpoint = await repositories.endpoints.create({ merchantId, livemode: false }, { url: `${receiver.url}?endpoint`, eventTypes: ['*'], secret });
    const eventId = await appendEvent(t.handle.db, paymentEvent(await insertPayment(t.handle.db, merchantId, { dialect: 'echo', notifyUrl: `${receiver.url}?notify` })));
    const before = receiver.received.length;
    await runDue();
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(2);
    const toEndpoint = got.find((r) => r.headers['counterpay-event-id'] === eventId)!;
    expect(JSON.parse(toEndpoint.body)).toMatchObject({ id: eventId, object: 'event', type: 'payment.succeeded' });
    expect(() => verifyNotification(toEndpoint.body, toEndpoint.headers['counterpay-signature'] as string, secret)).not.toThrow();
    expect(got.filter((r) => r !== toEndpoint).map((r) => JSON.parse(r.body))).toEqual([{ echo: eventId, livemode: false, secret: 'echo-test-secret', account: `acct-echo-test-${merchantId}` }]);
    const deliveries = await repositories.deliveries.listForEvent(eventId);
    expect(deliveries.map((d) => [d.endpointId, d.status]).sort()).toEqual([[endpoint.id, 'delivered'], [null, 'delivered']].sort());
  });

  it('should retry what the format does not count as acknowledged, then fail the delivery and mark the endpoint failing', async () => {
    reply = 'not the echo answer';
    const merchantId = await insertMerchant(t.handle.db);
    await insertDialectCredential(t.handle.db, box, merchantId, 'echo', false, 'echo-test-secret');
    // An endpoint in the dialect's format (as an Omise dashboard's URL is): rendered and acknowledged as the dialect does.
    const endpoint = await repositories.endpoints.create({ merchantId, livemode: false }, { url: receiver.url, eventTypes: ['*'], secret: 'whsec_x', format: 'echo' });
    const eventId = await appendEvent(t.handle.db, paymentEvent(await insertPayment(t.handle.db, merchantId, { dialect: 'echo' })));
    await runDue();
    const [delivery] = await repositories.deliveries.listForEvent(eventId);
    // One first attempt and one per step of the schedule.
    expect(delivery).toMatchObject({ status: 'failed', attempts: config.notifyRetryScheduleS.length + 1 });
    expect(delivery!.attemptLog).toHaveLength(config.notifyRetryScheduleS.length + 1);
    expect((await repositories.endpoints.get({ merchantId, livemode: false }, endpoint.id))!.status).toBe('failing');
  });

  it('should fail at once, with the reason in its log, a delivery that can never be signed (no secret for its mode)', async () => {
    const merchantId = await insertMerchant(t.handle.db);
    await insertDialectCredential(t.handle.db, box, merchantId, 'echo', false, 'echo-test-secret');
    const eventId = await appendEvent(t.handle.db, paymentEvent(await insertPayment(t.handle.db, merchantId, { livemode: true, dialect: 'echo', notifyUrl: receiver.url })));
    const before = receiver.received.length;
    await runDue();
    const [delivery] = await repositories.deliveries.listForEvent(eventId);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
    expect(delivery!.attemptLog[0]).toMatchObject({ httpStatus: null, error: expect.stringContaining('live mode') });
    expect(receiver.received.length).toBe(before);
    expect(await worker.claim(10)).toEqual([]);
  });

  it('should stop giving a receiver that never answers a slot after three unanswered attempts, without counting attempts for what waits, and resume it when it answers', async () => {
    let silent = true;
    const held = new Set<import('node:http').ServerResponse>();
    const receiver = createServer((req, res) => {
      req.resume();
      if (silent) held.add(res); // accepts the request, never answers
      else res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
    try {
      const shortTimeout = loadConfig({}, { masterKey: 'unused', notifyTimeoutMs: 150, notifyRetryScheduleS: [600] });
      const cooldownMs = 400;
      const impatient = new DeliveryWorker(repositories, new NotificationFormats(), shortTimeout, 'breaker-test', pino({ enabled: false }), { threshold: 3, firstCooldownMs: cooldownMs, maxCooldownMs: 10 * cooldownMs });
      const merchantId = await insertMerchant(t.handle.db);
      await repositories.endpoints.create({ merchantId, livemode: false }, { url, eventTypes: ['*'], secret: 'whsec_silent' });
      const eventIds: string[] = [];
      for (let i = 0; i < 6; i++) eventIds.push(await appendEvent(t.handle.db, paymentEvent(await insertPayment(t.handle.db, merchantId))));
      const all = async () => (await Promise.all(eventIds.map((id) => repositories.deliveries.listForEvent(id)))).flat();
      const started = Date.now();
      for (let i = 0; i < 6; i++) {
        const [due] = await impatient.claim(1);
        if (!due) break;
        await impatient.deliver(due);
      }
      const deliveries = await all();
      expect(deliveries.map((d) => d.attemptLog.length)).toEqual([1, 1, 1, 0, 0, 0]);
      expect(deliveries.map((d) => d.attemptLog[0]?.error ?? null).slice(0, 3)).toEqual(Array(3).fill('no answer within 150 ms'));
      // Three timeouts, not six: the others took no slot; all three wait, pushed back at once, for the cooldown.
      expect(Date.now() - started).toBeLessThan(6 * 150);
      for (const waiting of deliveries.slice(3)) {
        expect(waiting).toMatchObject({ status: 'pending', attempts: 0 });
        expect(Date.parse(waiting.nextAttemptAt)).toBeGreaterThan(Date.now());
      }
      expect(await impatient.claim(10)).toEqual([]);
      // The receiver answers again: after the cooldown one probe goes out, succeeds, and everything waiting is due at once.
      silent = false;
      await new Promise((resolve) => setTimeout(resolve, cooldownMs));
      // (One claimed while the probe was out may still wait out that cooldown: nothing is ever sent twice at once.)
      for (let round = 0; round < 40 && (await all()).some((d, i) => i >= 3 && d.status !== 'delivered'); round++) {
        const due = await impatient.claim(10);
        await Promise.all(due.map((d) => impatient.deliver(d)));
        if (due.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const after = await all();
      expect(after.slice(3).map((d) => [d.status, d.attempts])).toEqual([['delivered', 1], ['delivered', 1], ['delivered', 1]]);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const res of held) res.destroy();
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('should fall back to the native format for dialects that registered none', () => {
    const formats = new NotificationFormats().register(echoFormat);
    expect(formats.formatFor('echo')).toBe(echoFormat);
    expect(formats.formatFor('native').dialect).toBe('native');
    expect(formats.formatFor('unknown').dialect).toBe('native');
  });
});
