import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '@counterpay/core';
import { type TestDatabase, openTestDatabase, testDatabaseKinds } from '@counterpay/db/test-databases';
import { BacklogRepository } from './backlog-repository.ts';
import { appendEvent } from './event-outbox.ts';
import { insertMerchant, insertPayment, paymentEvent } from './notification-test-fixtures.ts';
import { WebhookEndpointRepository } from './webhook-endpoint-repository.ts';

const NOW = new Date('2025-03-01T12:00:00.000Z');
const at = (s: number) => new Date(NOW.getTime() + s * 1000).toISOString();

for (const kind of await testDatabaseKinds()) {
  describe(`backlog repository on ${kind}`, () => {
    let t: TestDatabase;
    let backlog: BacklogRepository;
    beforeAll(async () => {
      t = await openTestDatabase(kind);
      backlog = new BacklogRepository(t.handle);
    });
    afterAll(async () => {
      await t?.cleanup();
    });
    const db = () => t.handle.db;

    it('reads an empty backlog as zeros', async () => {
      expect(await backlog.read(NOW)).toEqual({
        tasks: { payment: { total: 0, due: 0, oldestDueAgeSeconds: 0 }, refund: { total: 0, due: 0, oldestDueAgeSeconds: 0 } },
        deliveries: { pending: 0, due: 0, oldestPendingAgeSeconds: 0 },
      });
    });

    it('counts resolver tasks by kind, those due, and how long the oldest due one has waited', async () => {
      const task = (kind: string, id: string, nextRunS: number, leased = false) => ({
        kind,
        object_id: id,
        next_run_at: at(nextRunS),
        deadline_at: at(3600),
        attempts: 0,
        lease_owner: leased ? 'other-instance' : null,
        lease_until: leased ? at(30) : null,
        last_error: null,
        cancel_started_at: null,
        created_at: at(-600),
      });
      await db()
        .insertInto('tasks')
        .values([
          task('payment', 'pay_due_90s', -90),
          task('payment', 'pay_due_5s_leased', -5, true), // being worked on by another instance: still due
          task('payment', 'pay_later', 60),
          task('refund', 'ref_later', 1),
          task('refund', 'ref_due_now', 0),
        ])
        .execute();
      expect((await backlog.read(NOW)).tasks).toEqual({
        payment: { total: 3, due: 2, oldestDueAgeSeconds: 90 },
        refund: { total: 2, due: 1, oldestDueAgeSeconds: 0 },
      });
      expect((await backlog.tasks(new Date(NOW.getTime() + 61_000))).payment).toEqual({ total: 3, due: 3, oldestDueAgeSeconds: 151 });
    });

    it('counts pending deliveries, those due, and the age of the oldest pending one', async () => {
      const merchantId = await insertMerchant(db());
      const endpoints = new WebhookEndpointRepository(db(), new SecretBox('backlog-test-key'));
      const endpoint = await endpoints.create({ merchantId, livemode: false }, { url: 'https://shop.example/hook', eventTypes: ['*'], secret: 'whsec_x' });
      for (let i = 0; i < 4; i++) await appendEvent(db(), paymentEvent(await insertPayment(db(), merchantId)));
      const ids = (await db().selectFrom('deliveries').select('id').where('endpoint_id', '=', endpoint.id).orderBy('id').execute()).map((r) => r.id);
      expect(ids).toHaveLength(4);
      const set = (id: string, values: { status?: string; created_at: string; next_attempt_at: string }) => db().updateTable('deliveries').set(values).where('id', '=', id).execute();
      await set(ids[0]!, { status: 'delivered', created_at: at(-9000), next_attempt_at: at(-9000) }); // done: not backlog
      await set(ids[1]!, { status: 'failed', created_at: at(-8000), next_attempt_at: at(-8000) }); // given up: not backlog
      await set(ids[2]!, { created_at: at(-300), next_attempt_at: at(600) }); // waiting for its next retry
      await set(ids[3]!, { created_at: at(-20), next_attempt_at: at(-1) }); // due
      expect((await backlog.read(NOW)).deliveries).toEqual({ pending: 2, due: 1, oldestPendingAgeSeconds: 300 });
    });
  });
}
