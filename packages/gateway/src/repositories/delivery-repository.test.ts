import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '@counterpay/core';
import { type TestDatabase, openTestDatabase, testDatabaseKinds } from '@counterpay/db/test-databases';
import { DeliveryRepository } from './delivery-repository.ts';
import { appendEvent } from './event-outbox.ts';
import { insertMerchant, insertPayment, paymentEvent } from './notification-test-fixtures.ts';
import { WebhookEndpointRepository } from './webhook-endpoint-repository.ts';

const box = new SecretBox('delivery-test-key');
const LEASE_MS = 60_000;
const seconds = (s: number, from = new Date()) => new Date(from.getTime() + s * 1000);

for (const kind of await testDatabaseKinds()) {
  describe(`delivery repository on ${kind}`, () => {
    let t: TestDatabase;
    let deliveries: DeliveryRepository;
    let endpoints: WebhookEndpointRepository;
    beforeAll(async () => {
      t = await openTestDatabase(kind);
      deliveries = new DeliveryRepository(t.handle.db, t.handle.kind);
      endpoints = new WebhookEndpointRepository(t.handle.db, box);
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    const db = () => t.handle.db;
    /** Only this test's deliveries: every test leaves the queue empty of due, unleased work. */
    const drain = () => db().updateTable('deliveries').set({ status: 'delivered' }).where('status', '=', 'pending').execute();
    /** A merchant with one test endpoint, and `count` payment events planned to it at `at`. */
    async function planned(count: number, at = new Date(Date.now() - 1000)) {
      const merchantId = await insertMerchant(db());
      const endpoint = await endpoints.create({ merchantId, livemode: false }, { url: 'https://shop.example/hook', eventTypes: ['*'], secret: 'whsec_x' });
      const eventIds: string[] = [];
      for (let i = 0; i < count; i++) eventIds.push(await appendEvent(db(), paymentEvent(await insertPayment(db(), merchantId), at)));
      const rows = await db().selectFrom('deliveries').select('id').where('endpoint_id', '=', endpoint.id).orderBy('id').execute();
      return { merchantId, endpoint, eventIds, ids: rows.map((r) => r.id) };
    }

    it('should claim due deliveries with a lease that keeps other claimers off until it expires', async () => {
      await drain();
      const { ids } = await planned(3);
      const now = new Date();
      const first = await deliveries.claimDue({ owner: 'a', limit: 10, leaseMs: LEASE_MS }, now);
      expect(first.map((d) => d.id).sort()).toEqual(ids);
      expect(first[0]).toMatchObject({ status: 'pending', attempts: 0, target: expect.stringMatching(/^endpoint:we_/), url: 'https://shop.example/hook' });
      const leased = await db().selectFrom('deliveries').select(['lease_owner', 'lease_until']).where('id', 'in', ids).execute();
      expect(leased.every((r) => r.lease_owner === 'a' && r.lease_until === new Date(now.getTime() + LEASE_MS).toISOString())).toBe(true);
      expect(await deliveries.claimDue({ owner: 'b', limit: 10, leaseMs: LEASE_MS }, seconds(30, now))).toEqual([]);
      const afterExpiry = await deliveries.claimDue({ owner: 'b', limit: 10, leaseMs: LEASE_MS }, seconds(61, now));
      expect(afterExpiry.map((d) => d.id).sort()).toEqual(ids);
      await drain();
    });

    it('should not claim deliveries that are not due yet, nor delivered or failed ones, and respect the limit', async () => {
      await drain();
      const future = await planned(1, seconds(3600));
      expect(await deliveries.claimDue({ owner: 'a', limit: 10, leaseMs: LEASE_MS })).toEqual([]);
      const { ids } = await planned(3);
      await deliveries.markDelivered(ids[0]!, 1, new Date());
      await deliveries.markFailed(ids[1]!, 11);
      const claimed = await deliveries.claimDue({ owner: 'a', limit: 10, leaseMs: LEASE_MS });
      expect(claimed.map((d) => d.id)).toEqual([ids[2]]);
      const more = await planned(5);
      expect(await deliveries.claimDue({ owner: 'a', limit: 2, leaseMs: LEASE_MS })).toHaveLength(2);
      expect(more.ids).toHaveLength(5);
      expect(future.ids).toHaveLength(1);
      await drain();
    });

    it('should never hand one delivery to two claimers claiming at once', async () => {
      await drain();
      const { ids } = await planned(120);
      const claimedBy = new Map<string, string[]>();
      for (let round = 0; round < 20 && [...claimedBy.values()].flat().length < ids.length; round++) {
        const owners = Array.from({ length: 8 }, (_, i) => `claimer-${round}-${i}`);
        const results = await Promise.all(owners.map((owner) => deliveries.claimDue({ owner, limit: 7, leaseMs: LEASE_MS })));
        results.forEach((claimed, i) => {
          for (const d of claimed) claimedBy.set(d.id, [...(claimedBy.get(d.id) ?? []), owners[i]!]);
        });
      }
      expect([...claimedBy.keys()].sort()).toEqual(ids);
      expect([...claimedBy.entries()].filter(([, owners]) => owners.length > 1)).toEqual([]);
      // The row names the claimer that got it.
      const rows = await db().selectFrom('deliveries').select(['id', 'lease_owner']).where('id', 'in', ids).execute();
      for (const row of rows) expect(row.lease_owner).toBe(claimedBy.get(row.id)![0]);
      await drain();
    });

    it('should count an attempt and give the claim back until the retry, or just give it back', async () => {
      await drain();
      const { ids } = await planned(2);
      const [retried, released] = await deliveries.claimDue({ owner: 'a', limit: 10, leaseMs: LEASE_MS });
      const next = seconds(10);
      await deliveries.scheduleRetry(retried!.id, 1, next);
      await deliveries.release(released!.id, next);
      for (const id of ids) expect(await deliveries.get(id)).toMatchObject({ status: 'pending', nextAttemptAt: next.toISOString() });
      expect((await deliveries.get(retried!.id))!.attempts).toBe(1);
      expect((await deliveries.get(released!.id))!.attempts).toBe(0);
      expect(await deliveries.claimDue({ owner: 'b', limit: 10, leaseMs: LEASE_MS })).toEqual([]);
      expect((await deliveries.claimDue({ owner: 'b', limit: 10, leaseMs: LEASE_MS }, seconds(11))).map((d) => d.id).sort()).toEqual(ids);
      await drain();
    });

    it('should log attempts and list each delivery of an event with its attempts in order', async () => {
      await drain();
      const { eventIds } = await planned(1);
      const [delivery] = await deliveries.claimDue({ owner: 'a', limit: 10, leaseMs: LEASE_MS });
      const t0 = new Date();
      await deliveries.recordAttempt(delivery!, { at: t0.toISOString(), httpStatus: 500, latencyMs: 12, responseExcerpt: 'oops', error: null });
      await deliveries.recordAttempt(delivery!, { at: seconds(1, t0).toISOString(), httpStatus: null, latencyMs: 300, responseExcerpt: null, error: 'no answer within 300 ms' });
      await deliveries.recordAttempt(delivery!, { at: seconds(2, t0).toISOString(), httpStatus: 200, latencyMs: 5, responseExcerpt: 'ok', error: null });
      await deliveries.markDelivered(delivery!.id, 3, seconds(2, t0));
      const [listed, ...rest] = await deliveries.listForEvent(eventIds[0]!);
      expect(rest).toEqual([]);
      expect(listed).toMatchObject({ id: delivery!.id, eventId: eventIds[0], status: 'delivered', attempts: 3, deliveredAt: seconds(2, t0).toISOString() });
      expect(listed!.attemptLog.map((a) => [a.httpStatus, a.error])).toEqual([
        [500, null],
        [null, 'no answer within 300 ms'],
        [200, null],
      ]);
      expect(await db().selectFrom('deliveries').select(['lease_owner', 'lease_until']).where('id', '=', delivery!.id).executeTakeFirst()).toEqual({ lease_owner: null, lease_until: null });
    });

    it('should redeliver every delivery of an event from scratch', async () => {
      await drain();
      const { eventIds, ids } = await planned(1);
      await deliveries.markDelivered(ids[0]!, 2, new Date());
      expect(await deliveries.redeliverEvent(eventIds[0]!)).toBe(1);
      expect(await deliveries.get(ids[0]!)).toMatchObject({ status: 'pending', attempts: 0 });
      expect((await deliveries.claimDue({ owner: 'a', limit: 10, leaseMs: LEASE_MS })).map((d) => d.id)).toEqual(ids);
      expect(await deliveries.redeliverEvent('evt_unknown')).toBe(0);
      await drain();
    });

    it('should replay only the endpoint\'s failed deliveries created since the time given', async () => {
      await drain();
      const old = await planned(1, new Date('2025-01-01T00:00:00.000Z'));
      const { endpoint, ids } = await planned(3);
      const oldToSameEndpoint = await appendEvent(db(), paymentEvent(await insertPayment(db(), endpoint.merchantId), new Date('2025-01-01T00:00:00.000Z')));
      await deliveries.markFailed(ids[0]!, 11);
      await deliveries.markFailed(ids[1]!, 11);
      await deliveries.markDelivered(ids[2]!, 1, new Date());
      const [oldDelivery] = await db().selectFrom('deliveries').select('id').where('event_id', '=', oldToSameEndpoint).execute();
      await deliveries.markFailed(oldDelivery!.id, 11);
      await deliveries.markFailed(old.ids[0]!, 11);
      expect(await deliveries.replayFailed(endpoint.id, new Date('2025-06-01T00:00:00.000Z'))).toBe(2);
      expect(await deliveries.get(ids[0]!)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await deliveries.get(ids[1]!)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await deliveries.get(ids[2]!)).toMatchObject({ status: 'delivered' });
      expect(await deliveries.get(oldDelivery!.id)).toMatchObject({ status: 'failed', attempts: 11 });
      expect(await deliveries.get(old.ids[0]!)).toMatchObject({ status: 'failed' });
      await drain();
    });
  });
}
