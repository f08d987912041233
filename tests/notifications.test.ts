import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyNotification } from '@counterpay/core';
import { type Harness, startHarness } from './support/harness.ts';
import { mapPool } from './support/pool.ts';
import { startReceiver } from './support/receiver.ts';
import { waitUntil } from './support/wait.ts';

/** Retry schedule and timeout compressed: the contract's minutes become tenths of a second. */
const FAST = { notifyRetryScheduleS: [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.5, 0.5, 1, 1], notifyTimeoutMs: 300 };

describe('merchant notifications', () => {
  let h: Harness;
  let n = 0;
  const pay = (extra: Record<string, unknown> = {}) =>
    h.api('POST', '/v1/payments', { amount: 100 + n, currency: 'CNY', merchant_order_id: `notify-${Date.now()}-${n++}`, barcode: n % 2 ? '280000000000000001' : '130000000000000001', ...extra });
  const deliveries = () => h.db.selectFrom('deliveries').selectAll().execute();

  beforeAll(async () => {
    h = await startHarness('sqlite', FAST);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('posts the signed payment event to the payment\'s notify_url', async () => {
    const receiver = await startReceiver();
    try {
      const { body: payment } = await pay({ notify_url: receiver.url });
      const got = await waitUntil(async () => receiver.received, (r) => r.length > 0, 5000);
      const event = JSON.parse(got[0]!.body);
      expect(event).toMatchObject({ object: 'event', type: 'payment.succeeded', data: { object: { id: payment.id, status: 'succeeded' } } });
      expect(event.id).toMatch(/^evt_/);
      expect(got[0]!.eventId).toBe(event.id);
      expect(() => verifyNotification(got[0]!.body, got[0]!.signature, h.merchant.webhook_secret)).not.toThrow();
      expect(() => verifyNotification(got[0]!.body.replace('succeeded', 'failed'), got[0]!.signature, h.merchant.webhook_secret)).toThrow();
    } finally {
      await receiver.close();
    }
  });

  it('delivers every event at least once to a receiver that fails 50% and times out on 10%', async () => {
    const receiver = await startReceiver((i) => (i % 10 === 0 ? 'hang' : i % 2 === 0 ? 500 : 200));
    try {
      const { body: endpoint } = await h.api('POST', '/v1/webhook_endpoints', { url: receiver.url, event_types: ['payment.succeeded', 'refund.succeeded'] });
      expect(endpoint.secret).toMatch(/^whsec_/);
      const payments = await mapPool(Array.from({ length: 30 }, (_, i) => i), 10, () => pay().then((r) => r.body));
      await h.api('POST', `/v1/payments/${payments[0].id}/refunds`, { amount: 10 });
      const events = await h.db.selectFrom('deliveries').select('event_id').where('endpoint_id', '=', endpoint.id).execute();
      expect(events).toHaveLength(31);
      const done = await waitUntil(deliveries, (all) => all.filter((d) => d.endpoint_id === endpoint.id).every((d) => d.status === 'delivered'), 30_000, 200);
      expect(done.filter((d) => d.endpoint_id === endpoint.id && d.status !== 'delivered')).toEqual([]);
      // De-duplicated by event id, the receiver processed exactly the 31 events, each once.
      const unique = receiver.uniqueEventIds();
      expect(unique).toEqual(new Set(events.map((e) => e.event_id)));
      expect(receiver.received.length).toBeGreaterThan(31); // retries really happened
      for (const r of receiver.received) expect(() => verifyNotification(r.body, r.signature, endpoint.secret)).not.toThrow();
      const log = await h.api('GET', `/v1/events/${events[0]!.event_id}/deliveries`);
      expect(log.body.data[0]).toMatchObject({ object: 'delivery', status: 'delivered' });
      expect(log.body.data[0].attempts.length).toBeGreaterThanOrEqual(1);
      await h.api('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    } finally {
      await receiver.close();
    }
  });

  it('keeps a healthy endpoint on time beside a dead one', async () => {
    const dead = await startReceiver(() => 'hang');
    const healthy = await startReceiver();
    try {
      const { body: deadEndpoint } = await h.api('POST', '/v1/webhook_endpoints', { url: dead.url });
      const { body: healthyEndpoint } = await h.api('POST', '/v1/webhook_endpoints', { url: healthy.url });
      const started = Date.now();
      const payments = await mapPool(Array.from({ length: 20 }, (_, i) => i), 10, () => pay().then((r) => r.body));
      await waitUntil(async () => healthy.uniqueEventIds().size, (size) => size >= 20, 10_000, 50);
      const lastArrival = Math.max(...healthy.received.map((r) => r.at));
      expect(healthy.uniqueEventIds().size).toBe(20);
      expect(lastArrival - started).toBeLessThan(5_000);
      expect(payments).toHaveLength(20);
      await h.api('DELETE', `/v1/webhook_endpoints/${deadEndpoint.id}`);
      await h.api('DELETE', `/v1/webhook_endpoints/${healthyEndpoint.id}`);
    } finally {
      await dead.close();
      await healthy.close();
    }
  });

  it('marks an endpoint failing after the last retry, and replays its failures in bulk', async () => {
    let healthy = false;
    const receiver = await startReceiver(() => (healthy ? 200 : 503));
    try {
      const since = new Date().toISOString();
      const { body: endpoint } = await h.api('POST', '/v1/webhook_endpoints', { url: receiver.url });
      await pay();
      await pay();
      await waitUntil(async () => (await h.api('GET', `/v1/webhook_endpoints/${endpoint.id}`)).body.status, (s) => s === 'failing', 15_000, 200);
      // The endpoint turns failing with its first exhausted delivery; the other may be a tick behind.
      const mine = async () => (await deliveries()).filter((d) => d.endpoint_id === endpoint.id);
      const failed = await waitUntil(mine, (all) => all.length === 2 && all.every((d) => d.status === 'failed'), 15_000, 100);
      expect(failed.every((d) => d.status === 'failed' && d.attempts === FAST.notifyRetryScheduleS.length + 1)).toBe(true);
      healthy = true;
      const replay = await h.api('POST', `/v1/webhook_endpoints/${endpoint.id}/replay`, { since });
      expect(replay.body).toMatchObject({ object: 'replay', deliveries: 2 });
      const delivered = await waitUntil(deliveries, (all) => all.filter((d) => d.endpoint_id === endpoint.id).every((d) => d.status === 'delivered'), 5000, 100);
      expect(delivered.filter((d) => d.endpoint_id === endpoint.id).map((d) => d.status)).toEqual(['delivered', 'delivered']);
      expect((await h.api('GET', `/v1/webhook_endpoints/${endpoint.id}`)).body.status).toBe('enabled');

      const eventId = failed[0]!.event_id;
      const before = receiver.received.filter((r) => r.eventId === eventId).length;
      expect((await h.api('POST', `/v1/events/${eventId}/redeliver`)).body).toMatchObject({ object: 'redelivery', deliveries: 1 });
      await waitUntil(async () => receiver.received.filter((r) => r.eventId === eventId).length, (c) => c > before, 5000, 50);
      await h.api('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    } finally {
      await receiver.close();
    }
  });

  it('signs with both secrets while a rotated secret overlaps', async () => {
    const receiver = await startReceiver();
    try {
      const { body: endpoint } = await h.api('POST', '/v1/webhook_endpoints', { url: receiver.url });
      const { body: rotated } = await h.api('POST', `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`, { overlap_seconds: 3600 });
      expect(rotated.secret).not.toBe(endpoint.secret);
      await pay();
      const [got] = await waitUntil(async () => receiver.received, (r) => r.length > 0, 5000);
      expect(() => verifyNotification(got!.body, got!.signature, endpoint.secret)).not.toThrow();
      expect(() => verifyNotification(got!.body, got!.signature, rotated.secret)).not.toThrow();
      await h.api('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    } finally {
      await receiver.close();
    }
  });

  /** A ScanForPay barcode payment (seed 002), signed with the merchant's sign key. */
  const scanForPay = async (barcode: string, notifyUrl: string) => {
    const request = JSON.stringify({
      header: { requestTime: '2018-07-25T18:06:05+08:00', partnerNo: h.merchant.scanforpay.partnerNo, signType: 'SHA256', version: '1.0', reqMsgId: randomUUID() },
      body: { storeNo: h.merchant.scanforpay.storeNo, partnerOrderNo: `sfp${Date.now()}${n++}`, barcode, orderAmount: 2100, orderTitle: 'Consume', terminalNo: h.merchant.terminal_no, notifyUrl },
    });
    const signature = createHash('sha256').update(request + h.merchant.scanforpay.signKey).digest('hex');
    const response = await fetch(`${h.url}/api/offline/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"request":${request},"signature":"${signature}"}` });
    return ((await response.json()) as { response: { body: { code: number; orderNo: string; status: number } } }).response.body;
  };
  /** A PingPong v4 barcode payment (seed 000), signed with the merchant's salt. */
  const pingPongSign = (fields: Record<string, string>) =>
    createHash('sha256').update(h.merchant.pingpong.salt + Object.keys(fields).filter((k) => k !== 'sign' && fields[k] !== '').sort().map((k) => `${k}=${fields[k]}`).join('&')).digest('hex').toUpperCase();
  const pingPong = async (scanCodeId: string, notificationUrl: string) => {
    const biz = { captureDelayHours: 0, amount: '2.50', currency: 'CNY', requestId: randomUUID(), notificationUrl, merchantTransactionId: `mt-${randomUUID()}`, paymentMethod: { type: 'AlipayCN-Offline', scanCodeId }, device: { orderTerminal: '02' } };
    const fields = { accId: h.merchant.pingpong.accId, clientId: h.merchant.pingpong.clientId, signType: 'SHA256', version: '1.0', bizContent: JSON.stringify(biz) };
    const response = await fetch(`${h.url}/v4/payment/unifiedPay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fields, sign: pingPongSign(fields) }) });
    return JSON.parse(((await response.json()) as { bizContent: string }).bizContent) as { transactionId: string; status: string };
  };

  it('sends a native endpoint signed native events of ScanForPay payments, and the notifyUrl the ScanForPay envelope of successful payments only', async () => {
    const endpointReceiver = await startReceiver();
    const notifyReceiver = await startReceiver();
    try {
      const { body: endpoint } = await h.api('POST', '/v1/webhook_endpoints', { url: endpointReceiver.url });
      expect(endpoint.format).toBe('native');
      const paid = await scanForPay('280000000000000001', notifyReceiver.url);
      expect(paid).toMatchObject({ code: 1, status: 1 });
      const failed = await scanForPay('280000000000000003', notifyReceiver.url);
      expect(failed.status).toBe(2);

      const atEndpoint = await waitUntil(async () => endpointReceiver.received.map((r) => ({ ...r, event: JSON.parse(r.body) })), (r) => r.length >= 2, 5000);
      const byPayment = new Map(atEndpoint.map((r) => [r.event.data?.object?.id, r]));
      expect(byPayment.get(paid.orderNo)?.event).toMatchObject({ object: 'event', type: 'payment.succeeded', data: { object: { id: paid.orderNo, object: 'payment', dialect: 'scanforpay' } } });
      expect(byPayment.get(failed.orderNo)?.event).toMatchObject({ object: 'event', type: 'payment.failed', data: { object: { id: failed.orderNo, status: 'failed' } } });
      for (const r of [byPayment.get(paid.orderNo)!, byPayment.get(failed.orderNo)!]) expect(() => verifyNotification(r.body, r.signature, endpoint.secret)).not.toThrow();

      const [got] = await waitUntil(async () => notifyReceiver.received, (r) => r.length > 0, 5000);
      const envelope = JSON.parse(got!.body);
      const responseText = got!.body.slice(got!.body.indexOf(':') + 1, got!.body.lastIndexOf(',"signature"'));
      expect(envelope.signature).toBe(createHash('sha256').update(responseText + h.merchant.scanforpay.signKey).digest('hex'));
      expect(envelope.response.header.partnerNo).toBe(h.merchant.scanforpay.partnerNo);
      expect(envelope.response.body).toMatchObject({ code: 1, orderNo: paid.orderNo, status: 1 });
      // Seed 002: notifyUrl hears of successful payments only; the failed one has no delivery there at all.
      const failedEvent = byPayment.get(failed.orderNo)!.event.id as string;
      expect((await deliveries()).filter((d) => d.event_id === failedEvent).map((d) => d.target)).toEqual([`endpoint:${endpoint.id}`]);
      expect(notifyReceiver.received.every((r) => JSON.parse(r.body).response.body.orderNo === paid.orderNo)).toBe(true);
      await h.api('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    } finally {
      await endpointReceiver.close();
      await notifyReceiver.close();
    }
  });

  it('sends a native endpoint the signed native event of a PingPong payment, and its notificationUrl PingPong\'s signed envelope', async () => {
    const endpointReceiver = await startReceiver();
    const notifyReceiver = await startReceiver();
    try {
      const { body: endpoint } = await h.api('POST', '/v1/webhook_endpoints', { url: endpointReceiver.url });
      const paid = await pingPong('280000000000000001', notifyReceiver.url);
      expect(paid.status).toBe('SUCCESS');
      const [atEndpoint] = await waitUntil(async () => endpointReceiver.received, (r) => r.length > 0, 5000);
      expect(JSON.parse(atEndpoint!.body)).toMatchObject({ object: 'event', type: 'payment.succeeded', data: { object: { id: paid.transactionId, dialect: 'pingpong' } } });
      expect(() => verifyNotification(atEndpoint!.body, atEndpoint!.signature, endpoint.secret)).not.toThrow();
      const [atNotifyUrl] = await waitUntil(async () => notifyReceiver.received, (r) => r.length > 0, 5000);
      const envelope = JSON.parse(atNotifyUrl!.body);
      const { sign, ...fields } = envelope;
      expect(envelope.accId).toBe(h.merchant.pingpong.accId);
      expect(sign).toBe(pingPongSign(fields));
      expect(JSON.parse(envelope.bizContent)).toMatchObject({ transactionId: paid.transactionId, status: 'SUCCESS', notifyType: 'RECHARGE' });
      expect(atNotifyUrl!.signature).toBeUndefined(); // PingPong's own signature, not counterpay's
      await h.api('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    } finally {
      await endpointReceiver.close();
      await notifyReceiver.close();
    }
  });

  it('refuses a webhook endpoint format that is not native or a dialect\'s endpoint format', async () => {
    const bad = await h.api('POST', '/v1/webhook_endpoints', { url: 'https://shop.example/hook', format: 'scanforpay' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'parameter_invalid', param: 'format' });
  });

  it('lists events newest first and refuses unsafe endpoint URLs', async () => {
    const events = await h.api('GET', '/v1/events?limit=2&type=payment.succeeded');
    expect(events.body).toMatchObject({ object: 'list', has_more: true });
    expect(events.body.data.every((e: { type: string }) => e.type === 'payment.succeeded')).toBe(true);
    const one = await h.api('GET', `/v1/events/${events.body.data[0].id}`);
    expect(one.body).toEqual(events.body.data[0]);
    const bad = await h.api('POST', '/v1/webhook_endpoints', { url: 'ftp://example.com/hook' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_url');
  });
});
