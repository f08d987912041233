import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, openTestDatabase, testDatabaseKinds } from '@counterpay/db/test-databases';
import { insertMerchant } from './notification-test-fixtures.ts';
import { ReconciliationRepository, type RunKey } from './reconciliation-repository.ts';

const LEASE_MS = 60_000;
const seconds = (s: number, from = new Date()) => new Date(from.getTime() + s * 1000);

for (const kind of await testDatabaseKinds()) {
  describe(`reconciliation repository on ${kind}`, () => {
    let t: TestDatabase;
    let one: ReconciliationRepository;
    let two: ReconciliationRepository;
    beforeAll(async () => {
      t = await openTestDatabase(kind);
      one = new ReconciliationRepository(t.handle.db, t.handle.kind, 'instance-one');
      two = new ReconciliationRepository(t.handle.db, t.handle.kind, 'instance-two');
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    it('schedules a day once, lets one instance claim it, and retries it later without a lease', async () => {
      const merchantId = await insertMerchant(t.handle.db);
      const key: RunKey = { merchantId, livemode: false, wallet: 'wechat', date: '2026-03-10' };
      const now = new Date();
      await one.ensureRun(key, now, now);
      await two.ensureRun(key, seconds(100, now), now); // already there: unchanged
      const [a, b] = await Promise.all([one.claimDue(10, LEASE_MS, seconds(1, now)), two.claimDue(10, LEASE_MS, seconds(1, now))]);
      const claimed = [...a, ...b].filter((r) => r.merchant_id === merchantId);
      expect(claimed).toHaveLength(1);
      expect(claimed[0]).toMatchObject({ state: 'pending', attempts: 1, date: '2026-03-10' });
      // Leased: nobody else takes it until the lease ends.
      expect((await two.claimDue(10, LEASE_MS, seconds(2, now))).filter((r) => r.merchant_id === merchantId)).toEqual([]);
      // Not published: released, due again later, and then claimable by anyone.
      const holder = a.length > 0 ? one : two;
      await holder.retryLater(key, seconds(30, now), 'statement not published yet', seconds(2, now));
      expect(await one.getRun(key)).toMatchObject({ lease_owner: null, last_error: 'statement not published yet', next_attempt_at: seconds(30, now).toISOString() });
      expect((await one.claimDue(10, LEASE_MS, seconds(10, now))).filter((r) => r.merchant_id === merchantId)).toEqual([]);
      const again = (await two.claimDue(10, LEASE_MS, seconds(31, now))).filter((r) => r.merchant_id === merchantId);
      expect(again).toMatchObject([{ attempts: 2, lease_owner: 'instance-two' }]);
    });

    it('stores a report with its event and marks the run done; a rerun keeps the report id', async () => {
      const merchantId = await insertMerchant(t.handle.db);
      const key: RunKey = { merchantId, livemode: false, wallet: 'alipay', date: '2026-03-11' };
      await one.ensureRun(key, new Date());
      const first = await one.saveReport(key, (id) => ({ id, matched: 1 }));
      const second = await one.saveReport(key, (id) => ({ id, matched: 2 }));
      expect(second.id).toBe(first.id);
      expect(await one.getRun(key)).toMatchObject({ state: 'done', report_id: first.id });
      expect((await one.claimDue(10, LEASE_MS, seconds(60))).filter((r) => r.merchant_id === merchantId)).toEqual([]);
      const scope = { merchantId, livemode: false };
      expect(JSON.parse((await one.getReport(scope, first.id as string))!.report)).toEqual({ id: first.id, matched: 2 });
      expect(await one.getReport({ merchantId, livemode: true }, first.id as string)).toBeNull();
      const events = await t.handle.db.selectFrom('events').select(['type', 'object_id']).where('merchant_id', '=', merchantId).execute();
      expect(events).toEqual([
        { type: 'reconciliation.completed', object_id: first.id },
        { type: 'reconciliation.completed', object_id: first.id },
      ]);
    });

    it('stores one report when two instances finish the same day at once', async () => {
      const merchantId = await insertMerchant(t.handle.db);
      const key: RunKey = { merchantId, livemode: false, wallet: 'wechat', date: '2026-03-12' };
      const [a, b] = await Promise.all([one.saveReport(key, (id) => ({ id, by: 'one' })), two.saveReport(key, (id) => ({ id, by: 'two' }))]);
      expect(a.id).toBe(b.id);
      const rows = await t.handle.db.selectFrom('reconciliation_reports').select('id').where('merchant_id', '=', merchantId).execute();
      expect(rows).toEqual([{ id: a.id }]);
    });

    it('lists newest day first with a cursor', async () => {
      const merchantId = await insertMerchant(t.handle.db);
      const scope = { merchantId, livemode: false };
      const ids: string[] = [];
      for (const date of ['2026-03-01', '2026-03-03', '2026-03-02']) {
        for (const wallet of ['alipay', 'wechat'] as const) ids.push((await one.saveReport({ merchantId, livemode: false, wallet, date }, (id) => ({ id, date, wallet }))).id as string);
      }
      const page1 = await one.listReports(scope, { limit: 4 });
      expect(page1.hasMore).toBe(true);
      expect(page1.data.map((r) => r.date)).toEqual(['2026-03-03', '2026-03-03', '2026-03-02', '2026-03-02']);
      const page2 = await one.listReports(scope, { limit: 4, startingAfter: page1.data.at(-1)!.id });
      expect(page2).toMatchObject({ hasMore: false });
      expect(page2.data.map((r) => r.date)).toEqual(['2026-03-01', '2026-03-01']);
      expect(new Set([...page1.data, ...page2.data].map((r) => r.id))).toEqual(new Set(ids));
      expect((await one.listReports(scope, { limit: 10, date: '2026-03-02', wallet: 'wechat' })).data.map((r) => [r.date, r.wallet])).toEqual([['2026-03-02', 'wechat']]);
    });
  });
}
