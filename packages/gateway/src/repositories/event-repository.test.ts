import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@counterpay/core';
import { type TestDatabase, openTestDatabase, testDatabaseKinds } from '@counterpay/db/test-databases';
import { appendEvent } from './event-outbox.ts';
import { EventRepository } from './event-repository.ts';
import { insertMerchant, insertPayment, insertRefund, paymentEvent } from './notification-test-fixtures.ts';
import type { MerchantScope } from './scope.ts';

for (const kind of await testDatabaseKinds()) {
  describe(`event repository on ${kind}`, () => {
    let t: TestDatabase;
    let events: EventRepository;
    beforeAll(async () => {
      t = await openTestDatabase(kind);
      events = new EventRepository(t.handle.db);
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    const db = () => t.handle.db;
    /** Events of one merchant a millisecond apart, oldest first, in the given modes. */
    async function eventsIn(merchantId: string, modes: boolean[], start = Date.now()): Promise<string[]> {
      const ids: string[] = [];
      for (const [i, livemode] of modes.entries()) {
        const payment = await insertPayment(db(), merchantId, { livemode });
        ids.push(await appendEvent(db(), paymentEvent(payment, new Date(start + i), i % 2 ? 'payment.failed' : 'payment.succeeded')));
      }
      return ids;
    }

    it('should list only the scope\'s merchant and mode, newest first, with a cursor and a type filter', async () => {
      const merchantId = await insertMerchant(db());
      const test: MerchantScope = { merchantId, livemode: false };
      const live: MerchantScope = { merchantId, livemode: true };
      const ids = await eventsIn(merchantId, [false, true, false, false, true, false]);
      await eventsIn(await insertMerchant(db(), 'Other Shop'), [false, false]);
      const testIds = [ids[0], ids[2], ids[3], ids[5]].reverse();
      const liveIds = [ids[1], ids[4]].reverse();

      const page1 = await events.list(test, { limit: 3 });
      expect(page1.data.map((e) => e.id)).toEqual(testIds.slice(0, 3));
      expect(page1.hasMore).toBe(true);
      const page2 = await events.list(test, { limit: 3, startingAfter: page1.data[2]!.id });
      expect(page2).toMatchObject({ hasMore: false });
      expect(page2.data.map((e) => e.id)).toEqual(testIds.slice(3));
      expect((await events.list(live, { limit: 10 })).data.map((e) => e.id)).toEqual(liveIds);
      expect((await events.list(live, { limit: 10 })).data.every((e) => e.livemode && e.payload.livemode)).toBe(true);
      const failed = await events.list(test, { limit: 10, type: 'payment.failed' });
      expect(failed.data.map((e) => e.id)).toEqual([ids[5], ids[3]]);
      expect(failed.data.every((e) => e.type === 'payment.failed' && e.payload.type === 'payment.failed')).toBe(true);
    });

    it('should get an event only in its own merchant and mode', async () => {
      const merchantId = await insertMerchant(db());
      const [testId, liveId] = await eventsIn(merchantId, [false, true]);
      const got = await events.get({ merchantId, livemode: false }, testId!);
      expect(got).toMatchObject({ id: testId, merchantId, livemode: false, type: 'payment.succeeded', objectType: 'payment', payload: { id: testId, object: 'event', livemode: false } });
      expect(await events.get({ merchantId, livemode: true }, liveId!)).toMatchObject({ id: liveId, livemode: true });
      expect(await events.get({ merchantId, livemode: true }, testId!)).toBeNull();
      expect(await events.get({ merchantId, livemode: false }, liveId!)).toBeNull();
      expect(await events.get({ merchantId: await insertMerchant(db()), livemode: false }, testId!)).toBeNull();
    });

    it('should render livemode from the row for events written before the payload carried it', async () => {
      const merchantId = await insertMerchant(db());
      const id = newId('event');
      const createdAt = new Date().toISOString();
      const payload = { id, object: 'event', type: 'payment.succeeded', created_at: createdAt, data: { object: { id: 'pay_x' } } };
      await db()
        .insertInto('events')
        .values({ id, merchant_id: merchantId, type: 'payment.succeeded', object_type: 'payment', object_id: 'pay_x', object_version: 2, payload: JSON.stringify(payload), livemode: 1, created_at: createdAt })
        .execute();
      expect((await events.get({ merchantId, livemode: true }, id))!.payload).toEqual({ ...payload, livemode: true });
    });

    it('should page one dialect\'s payment events of some types in the scope, with the window\'s total', async () => {
      const merchantId = await insertMerchant(db());
      const scope: MerchantScope = { merchantId, livemode: false };
      const start = Date.parse('2025-05-01T00:00:00.000Z');
      const append = async (i: number, opts: { dialect: string; livemode?: boolean; type?: string }) =>
        appendEvent(db(), paymentEvent(await insertPayment(db(), merchantId, opts), new Date(start + i * 1000), opts.type ?? 'payment.succeeded'));
      const a = await append(0, { dialect: 'omise' });
      await append(1, { dialect: 'native' });
      await append(2, { dialect: 'omise', livemode: true });
      const b = await append(3, { dialect: 'omise', type: 'payment.failed' });
      await append(4, { dialect: 'omise', type: 'payment.processing' });
      const c = await append(5, { dialect: 'omise' });
      const query = { dialect: 'omise', types: ['payment.succeeded', 'payment.failed'], from: null, to: null, order: 'chronological' as const, limit: 2, offset: 0 };
      const first = await events.pageForDialect(scope, query);
      expect(first).toMatchObject({ total: 3 });
      expect(first.rows.map((e) => e.id)).toEqual([a, b]);
      expect((await events.pageForDialect(scope, { ...query, offset: 2 })).rows.map((e) => e.id)).toEqual([c]);
      expect((await events.pageForDialect(scope, { ...query, order: 'reverse_chronological' })).rows.map((e) => e.id)).toEqual([c, b]);
      const window = await events.pageForDialect(scope, { ...query, from: new Date(start + 1000).toISOString(), to: new Date(start + 4000).toISOString() });
      expect(window).toMatchObject({ total: 1, rows: [{ id: b }] });
      expect(await events.getForDialect(scope, b, query)).toMatchObject({ id: b });
      expect(await events.getForDialect({ merchantId, livemode: true }, b, query)).toBeNull();
      expect(await events.getForDialect(scope, b, { ...query, dialect: 'native' })).toBeNull();
    });

    it('should count refund events of the dialect\'s payments among its events (Omise\'s refund.create)', async () => {
      const merchantId = await insertMerchant(db());
      const scope: MerchantScope = { merchantId, livemode: false };
      const refundEvent = async (dialect: string) => {
        const payment = await insertPayment(db(), merchantId, { dialect });
        const refund = await insertRefund(db(), payment);
        return appendEvent(db(), { ...paymentEvent(payment), type: 'refund.succeeded', objectType: 'refund', objectId: refund.id, object: { id: refund.id, object: 'refund', payment: payment.id } });
      };
      const omiseRefund = await refundEvent('omise');
      await refundEvent('native');
      const charge = await appendEvent(db(), paymentEvent(await insertPayment(db(), merchantId, { dialect: 'omise' })));
      const query = { dialect: 'omise', types: ['payment.succeeded', 'refund.succeeded'], from: null, to: null, order: 'chronological' as const, limit: 10, offset: 0 };
      expect(await events.pageForDialect(scope, query)).toMatchObject({ total: 2, rows: [{ id: omiseRefund, objectType: 'refund' }, { id: charge }] });
      expect(await events.getForDialect(scope, omiseRefund, query)).toMatchObject({ id: omiseRefund });
      expect(await events.getForDialect(scope, omiseRefund, { ...query, types: ['payment.succeeded'] })).toBeNull();
    });

    it('should give the delivery worker an event with its payment, refund and merchant', async () => {
      const merchantId = await insertMerchant(db(), 'Subject Shop');
      const payment = await insertPayment(db(), merchantId, { livemode: true, dialect: 'pingpong' });
      const paymentEventId = await appendEvent(db(), paymentEvent(payment));
      const ofPayment = await events.subject(paymentEventId);
      expect(ofPayment).toMatchObject({ event: { id: paymentEventId, livemode: true }, payment: { id: payment.id, dialect: 'pingpong' }, refund: null });
      expect(ofPayment!.merchant).toEqual({ id: merchantId, name: 'Subject Shop', defaultCurrency: 'CNY', livemode: false, feeRateBps: 165, feeVatBps: 700 });

      const refund = await insertRefund(db(), payment);
      const refundEventId = await appendEvent(db(), { ...paymentEvent(payment), type: 'refund.succeeded', objectType: 'refund', objectId: refund.id, object: { id: refund.id, object: 'refund' } });
      const ofRefund = await events.subject(refundEventId);
      expect(ofRefund).toMatchObject({ event: { id: refundEventId, type: 'refund.succeeded' }, payment: { id: payment.id }, refund: { id: refund.id, payment_id: payment.id } });
      expect(await events.subject('evt_unknown')).toBeNull();
    });
  });
}
