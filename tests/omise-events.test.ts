import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { webhooks } from '../packages/cli/src/commands/webhooks.ts';
import { verifyNotification } from '@counterpay/core';
import { type Harness, startHarness } from './support/harness.ts';
import { startReceiver } from './support/receiver.ts';
import { waitUntil } from './support/wait.ts';

/**
 * Omise's asynchronous side: a charge the buyer never confirms expires at counterpay's deadline, and
 * every final status reaches the merchant's webhook as a `charge.complete` event that the Events API
 * serves again, byte for byte.
 */
describe('Omise charge.complete events and webhooks', () => {
  let h: Harness;
  let auth: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let webhookSecret: string;

  beforeAll(async () => {
    // The deadline outlasts the 3 s create wait, so code 5 is still pending when answered.
    [h, receiver] = await Promise.all([startHarness('sqlite', { buyerConfirmDeadlineMs: 4000 }), startReceiver()]);
    auth = `Basic ${Buffer.from(`${h.merchant.omise.secretKey}:`).toString('base64')}`;
    // The Omise dashboard's webhook URL: an endpoint in Omise's format.
    const endpoint = await h.api('POST', '/v1/webhook_endpoints', { url: receiver.url, format: 'omise' });
    expect(endpoint.status).toBe(200);
    expect(endpoint.body).toMatchObject({ format: 'omise', event_types: ['*'] });
    webhookSecret = endpoint.body.secret;
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  const omise = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const response = await h.gateway.app.inject({ method, url, headers: { authorization: auth, 'content-type': 'application/json' }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
    return response.json();
  };
  const charge = (barcode: string, amount = 400000) => omise('POST', '/charges', { amount, currency: 'THB', source: { type: 'barcode_alipay', barcode, store_id: 'BJ_ZZ_001', store_name: 'Some Store' } });
  const webhookFor = (chargeId: string, key = 'charge.complete') =>
    waitUntil(async () => receiver.received.filter((r) => JSON.parse(r.body).key === key && (JSON.parse(r.body).data?.id === chargeId || JSON.parse(r.body).data?.charge === chargeId)), (found) => found.length > 0, 8000, 100).then((found) => found[0]);

  it('should post charge.complete to the merchant\'s webhook and serve the same event from the Events API', async () => {
    const created = await charge('280000000000000001');
    expect(created.status).toBe('successful');
    const delivered = await webhookFor(created.id);
    expect(delivered).toBeDefined();
    const event = JSON.parse(delivered!.body);
    expect(event).toMatchObject({ object: 'event', key: 'charge.complete', livemode: false, data: { object: 'charge', id: created.id, status: 'successful', paid: true, fee: 6600, fee_vat: 462, net: 392938 } });
    expect(event.id).toMatch(/^evnt_test_/);
    expect(() => verifyNotification(delivered!.body, delivered!.signature, webhookSecret)).not.toThrow();
    expect(await omise('GET', `/events/${event.id}`)).toEqual(event);
  });

  it('should keep serving an event as it was after the charge changed (a later refund)', async () => {
    const created = await charge('280000000000000001', 5000);
    const delivered = JSON.parse((await webhookFor(created.id))!.body);
    expect((await omise('POST', `/charges/${created.id}/refunds`, { amount: 1000 })).status).toBe('closed');
    expect(await omise('GET', `/events/${delivered.id}`)).toEqual(delivered);
    expect(await omise('GET', `/charges/${created.id}`)).toMatchObject({ refunded_amount: 1000 });
  });

  it('should announce a refund as refund.create with the refund object, signed as Omise signs, and serve it from the Events API', async () => {
    const created = await charge('280000000000000001', 6000);
    const refund = await omise('POST', `/charges/${created.id}/refunds`, { amount: 1500, metadata: { reason: 'damaged' } });
    expect(refund).toMatchObject({ object: 'refund', status: 'closed' });
    const delivered = (await webhookFor(created.id, 'refund.create'))!;
    const event = JSON.parse(delivered.body);
    expect(event).toMatchObject({ object: 'event', key: 'refund.create', livemode: false, data: { ...refund, object: 'refund', id: refund.id, charge: created.id, amount: 1500 } });
    expect(event.id).toMatch(/^evnt_test_/);
    expect(() => verifyNotification(delivered.body, delivered.signature, webhookSecret)).not.toThrow();
    expect(await omise('GET', `/events/${event.id}`)).toEqual(event);
    // Never a charge.complete for the refund (the charge completed once, when it was paid).
    expect(receiver.received.filter((r) => JSON.parse(r.body).key === 'charge.complete' && JSON.parse(r.body).data.id === created.id)).toHaveLength(1);
  });

  it('should send the Omise endpoint only Omise charges, and a native endpoint only native events of them', async () => {
    const native = await startReceiver();
    try {
      const { body: nativeEndpoint } = await h.api('POST', '/v1/webhook_endpoints', { url: native.url });
      const created = await charge('280000000000000001', 2100);
      const nativePayment = await h.api('POST', '/v1/payments', { amount: 2100, currency: 'THB', merchant_order_id: `native-${Date.now()}`, barcode: '280000000000000001' });
      expect(nativePayment.body.status).toBe('succeeded');
      const paymentId = `pay_${created.id.slice('chrg_test_'.length)}`;
      const atNative = await waitUntil(async () => native.received.map((r) => JSON.parse(r.body)), (events) => events.length >= 2, 8000, 100);
      expect(atNative.map((e) => [e.object, e.type, e.data.object.id]).sort()).toEqual([['event', 'payment.succeeded', nativePayment.body.id], ['event', 'payment.succeeded', paymentId]].sort());
      for (const r of native.received) expect(() => verifyNotification(r.body, r.signature, nativeEndpoint.secret)).not.toThrow();
      await webhookFor(created.id);
      const nativeEvents = await h.db.selectFrom('events').select('id').where('object_id', '=', nativePayment.body.id).execute();
      const toOmiseEndpoint = await h.db.selectFrom('deliveries').select('event_id').where('url', '=', receiver.url).execute();
      expect(toOmiseEndpoint.map((d) => d.event_id)).not.toContain(nativeEvents[0]!.id);
      await h.api('DELETE', `/v1/webhook_endpoints/${nativeEndpoint.id}`);
    } finally {
      await native.close();
    }
  });

  it('should register an Omise endpoint from the CLI (counterpay webhooks create --format omise)', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const code = await webhooks('create', undefined, { endpoint: 'https://shop.example/omise-hook', format: 'omise', key: h.merchant.secret_key, url: h.url, json: true });
      expect(code).toBe(0);
      const printed = JSON.parse(String(log.mock.calls[0]![0]));
      expect(printed).toMatchObject({ object: 'webhook_endpoint', url: 'https://shop.example/omise-hook', format: 'omise' });
      expect((await h.api('GET', `/v1/webhook_endpoints/${printed.id}`)).body.format).toBe('omise');
      await h.api('DELETE', `/v1/webhook_endpoints/${printed.id}`);
    } finally {
      log.mockRestore();
    }
  });

  it('should announce failed charges with their Omise failure code', async () => {
    const created = await charge('280000000000000003');
    const event = JSON.parse((await webhookFor(created.id))!.body);
    expect(event).toMatchObject({ key: 'charge.complete', data: { status: 'failed', failure_code: 'insufficient_balance' } });
  });

  it('should expire a charge the buyer never confirms (code 5) at the deadline, at the wallet too, and announce it', async () => {
    const created = await charge('280000000000000005', 2000);
    expect(created.status).toBe('pending');
    const expired = await waitUntil(() => omise('GET', `/charges/${created.id}`), (c) => c.status !== 'pending', 10_000, 200);
    expect(expired).toMatchObject({ status: 'expired', expired: true, paid: false, failure_code: 'payment_expired' });
    const atWallet = (await h.ledger()).charges.find((c) => c.outTradeNo === `pay_${created.id.slice('chrg_test_'.length)}`);
    expect(atWallet?.status).toBe('closed');
    const event = JSON.parse((await webhookFor(created.id))!.body);
    expect(event).toMatchObject({ key: 'charge.complete', data: { id: created.id, status: 'expired', failure_code: 'payment_expired' } });
  });

  it('should list charge.complete events newest first as an Omise list', async () => {
    const list = await omise('GET', '/events?order=reverse_chronological&limit=2');
    expect(list).toMatchObject({ object: 'list', location: '/events', limit: 2, offset: 0, order: 'reverse_chronological' });
    expect(list.total).toBeGreaterThanOrEqual(4);
    expect(list.data).toHaveLength(2);
    expect(list.data[0].created_at >= list.data[1].created_at).toBe(true);
    expect(list.data.every((e: { key: string }) => e.key === 'charge.complete' || e.key === 'refund.create')).toBe(true);
    const all = await omise('GET', '/events?limit=100');
    expect(all.data.some((e: { key: string }) => e.key === 'refund.create')).toBe(true);
  });
});
