import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '@counterpay/core';
import { type TestDatabase, openTestDatabase, testDatabaseKinds } from '@counterpay/db/test-databases';
import { appendEvent } from './event-outbox.ts';
import { insertMerchant, insertPayment, paymentEvent } from './notification-test-fixtures.ts';
import { WebhookEndpointRepository } from './webhook-endpoint-repository.ts';

const box = new SecretBox('outbox-test-key');

for (const kind of await testDatabaseKinds()) {
  describe(`event outbox on ${kind}`, () => {
    let t: TestDatabase;
    let endpoints: WebhookEndpointRepository;
    beforeAll(async () => {
      t = await openTestDatabase(kind);
      endpoints = new WebhookEndpointRepository(t.handle.db, box);
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    const db = () => t.handle.db;
    const deliveriesOf = (eventId: string) => db().selectFrom('deliveries').selectAll().where('event_id', '=', eventId).orderBy('target').execute();
    const endpoint = (merchantId: string, livemode: boolean, url: string, eventTypes = ['*']) => endpoints.create({ merchantId, livemode }, { url, eventTypes, secret: 'whsec_x' });

    it('should write the native event with its mode and return its evt_ id', async () => {
      const merchantId = await insertMerchant(db());
      const payment = await insertPayment(db(), merchantId, { livemode: true });
      const at = new Date('2025-03-04T05:06:07.089Z');
      const id = await appendEvent(db(), paymentEvent(payment, at));
      expect(id).toMatch(/^evt_/);
      const row = await db().selectFrom('events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ merchant_id: merchantId, livemode: 1, type: 'payment.succeeded', object_type: 'payment', object_id: payment.id, object_version: 2, created_at: at.toISOString() });
      expect(JSON.parse(row.payload)).toEqual({ id, object: 'event', type: 'payment.succeeded', livemode: true, created_at: at.toISOString(), data: { object: { id: payment.id, object: 'payment', status: 'succeeded', livemode: true } } });
    });

    it('should plan one delivery per matching endpoint of the event\'s mode and one to the notify_url', async () => {
      const merchantId = await insertMerchant(db());
      const all = await endpoint(merchantId, false, 'https://test.example/all');
      const succeeded = await endpoint(merchantId, false, 'https://test.example/succeeded', ['payment.succeeded']);
      await endpoint(merchantId, false, 'https://test.example/refunds', ['refund.succeeded']);
      const disabled = await endpoint(merchantId, false, 'https://test.example/disabled');
      await endpoints.update({ merchantId, livemode: false }, disabled.id, { status: 'disabled' });
      const failing = await endpoint(merchantId, false, 'https://test.example/failing');
      await endpoints.markFailing(failing.id);
      await endpoint(merchantId, true, 'https://live.example/all');
      await endpoint(await insertMerchant(db(), 'Other Shop'), false, 'https://other.example/all');

      const payment = await insertPayment(db(), merchantId, { notifyUrl: 'https://shop.example/notify' });
      const at = new Date();
      const eventId = await appendEvent(db(), paymentEvent(payment, at));
      const planned = await deliveriesOf(eventId);
      expect(planned.map((d) => [d.target, d.url]).sort()).toEqual(
        [
          [`endpoint:${all.id}`, 'https://test.example/all'],
          [`endpoint:${succeeded.id}`, 'https://test.example/succeeded'],
          [`endpoint:${failing.id}`, 'https://test.example/failing'],
          ['notify_url', 'https://shop.example/notify'],
        ].sort(),
      );
      for (const d of planned) expect(d).toMatchObject({ merchant_id: merchantId, status: 'pending', attempts: 0, next_attempt_at: at.toISOString(), lease_owner: null });
    });

    it('should never plan a live event to a test endpoint, nor a test event to a live one', async () => {
      const merchantId = await insertMerchant(db());
      const testEndpoint = await endpoint(merchantId, false, 'https://test.example/hook');
      const liveEndpoint = await endpoint(merchantId, true, 'https://live.example/hook');
      const liveEvent = await appendEvent(db(), paymentEvent(await insertPayment(db(), merchantId, { livemode: true })));
      const testEvent = await appendEvent(db(), paymentEvent(await insertPayment(db(), merchantId, { livemode: false })));
      expect((await deliveriesOf(liveEvent)).map((d) => d.endpoint_id)).toEqual([liveEndpoint.id]);
      expect((await deliveriesOf(testEvent)).map((d) => d.endpoint_id)).toEqual([testEndpoint.id]);
    });

    it('should give each target only its format\'s events: native endpoints all, a dialect\'s notify_url that dialect\'s, a dialect endpoint only that dialect\'s payments', async () => {
      // As the composition root's formats: ScanForPay notifies successful payments only; Omise has an endpoint format.
      const sendsOf: Record<string, readonly string[]> = {
        native: ['payment.succeeded', 'payment.failed', 'payment.closed', 'refund.succeeded', 'refund.failed'],
        scanforpay: ['payment.succeeded'],
        omise: ['payment.succeeded', 'payment.failed', 'payment.closed', 'refund.succeeded'],
      };
      const rules = { eventTypesOf: (format: string) => sendsOf[format] ?? sendsOf.native! };
      const merchantId = await insertMerchant(db());
      const native = await endpoint(merchantId, false, 'https://test.example/native');
      const omise = await endpoints.create({ merchantId, livemode: false }, { url: 'https://test.example/omise', eventTypes: ['*'], secret: 'whsec_o', format: 'omise' });
      const targetsOf = async (eventId: string) => (await deliveriesOf(eventId)).map((d) => d.endpoint_id ?? d.target).sort();
      const appendFor = async (dialect: string, status: 'succeeded' | 'failed', type = `payment.${status}`) => {
        const payment = await insertPayment(db(), merchantId, { dialect, notifyUrl: `https://shop.example/${dialect}` });
        return appendEvent(db(), paymentEvent({ ...payment, status }, new Date(), type), rules);
      };

      expect(await targetsOf(await appendFor('scanforpay', 'succeeded'))).toEqual([native.id, 'notify_url'].sort());
      expect(await targetsOf(await appendFor('scanforpay', 'failed'))).toEqual([native.id]);
      expect(await targetsOf(await appendFor('scanforpay', 'succeeded', 'refund.succeeded'))).toEqual([native.id]);
      expect(await targetsOf(await appendFor('omise', 'succeeded'))).toEqual([native.id, omise.id, 'notify_url'].sort());
      expect(await targetsOf(await appendFor('omise', 'failed', 'refund.failed'))).toEqual([native.id]);
      expect(await targetsOf(await appendFor('native', 'failed'))).toEqual([native.id, 'notify_url'].sort());
      expect(await targetsOf(await appendFor('pingpong', 'succeeded'))).toEqual([native.id, 'notify_url'].sort());
    });

    it('should write nothing when the change\'s transaction rolls back', async () => {
      const merchantId = await insertMerchant(db());
      await endpoint(merchantId, false, 'https://test.example/hook');
      const payment = await insertPayment(db(), merchantId);
      let eventId = '';
      await expect(
        db()
          .transaction()
          .execute(async (trx) => {
            eventId = await appendEvent(trx, paymentEvent(payment));
            throw new Error('the status change failed');
          }),
      ).rejects.toThrow('the status change failed');
      expect(eventId).toMatch(/^evt_/);
      expect(await db().selectFrom('events').select('id').where('id', '=', eventId).execute()).toEqual([]);
      expect(await deliveriesOf(eventId)).toEqual([]);
    });

    it('should write an event with no targets and no deliveries', async () => {
      const merchantId = await insertMerchant(db());
      const eventId = await appendEvent(db(), paymentEvent(await insertPayment(db(), merchantId)));
      expect(await db().selectFrom('events').select('id').where('id', '=', eventId).execute()).toHaveLength(1);
      expect(await deliveriesOf(eventId)).toEqual([]);
    });
  });
}
