import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, openTestDatabase, testDatabaseKinds } from '@counterpay/db/test-databases';
import { type LateCharge, LateSuccessRepository } from './late-success-repository.ts';
import { insertMerchant, insertPayment } from './notification-test-fixtures.ts';

/**
 * The late-success record: discovery, decision, refund row and its task (or the payment succeeded), the
 * event, all in one commit, and once per payment however many discoveries race (PostgreSQL row locks,
 * SQLite's single writer).
 */
for (const kind of await testDatabaseKinds()) {
  describe(`late-success record on ${kind}`, () => {
    let t: TestDatabase;
    let repo: LateSuccessRepository;
    const task = () => ({ firstCheck: new Date(Date.now() + 60_000), deadline: new Date(Date.now() + 3_600_000) });
    const charge = (amount: number): LateCharge => ({ walletTransactionId: '2026120422001', amount, paidAt: new Date('2026-12-04T10:00:01.000Z'), source: 'query' });

    beforeAll(async () => {
      t = await openTestDatabase(kind);
      repo = new LateSuccessRepository(t.handle.db, kind, 'instance-a');
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    async function closedPayment(merchantId?: string) {
      const merchant = merchantId ?? (await insertMerchant(t.handle.db));
      const payment = await insertPayment(t.handle.db, merchant);
      await t.handle.db
        .updateTable('payments')
        .set({ status: 'closed', failure_code: 'payment_cancelled', failure_message: 'cancelled', paid_at: null, closed_at: new Date().toISOString(), wallet_transaction_id: null })
        .where('id', '=', payment.id)
        .execute();
      return { id: payment.id, merchantId: merchant };
    }

    const rowsOf = async (paymentId: string) => ({
      payment: await t.handle.db.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirstOrThrow(),
      refunds: await t.handle.db.selectFrom('refunds').selectAll().where('payment_id', '=', paymentId).execute(),
      events: await t.handle.db.selectFrom('events').select(['type', 'payload']).where('object_id', '=', paymentId).execute(),
    });

    it('ten discoveries at once: one refund of the charged amount with its task, one event, the payment still closed', async () => {
      const { id } = await closedPayment();
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => repo.record(id, charge(1235), task())));
      expect(outcomes.filter((o) => o.outcome === 'refunded')).toHaveLength(1);
      expect(outcomes.filter((o) => o.outcome === 'already_handled')).toHaveLength(9);
      const { payment, refunds, events } = await rowsOf(id);
      expect(payment).toMatchObject({ status: 'closed', late_paid_amount: 1235, late_wallet_transaction_id: '2026120422001', late_paid_at: '2026-12-04T10:00:01.000Z', late_success_action: 'refunded' });
      expect(refunds).toEqual([expect.objectContaining({ amount: 1235, status: 'processing', reason: 'late_success' })]);
      const refundTask = await t.handle.db.selectFrom('tasks').selectAll().where('kind', '=', 'refund').where('object_id', '=', refunds[0]!.id).execute();
      expect(refundTask).toHaveLength(1);
      expect(events.map((e) => e.type)).toEqual(['payment.late_success']);
      expect(JSON.parse(events[0]!.payload).data.object.late_success).toEqual({
        amount: 1235,
        wallet_transaction_id: '2026120422001',
        paid_at: '2026-12-04T10:00:01.000Z',
        action: 'refunded',
        refund: refunds[0]!.id,
        found_by: 'query',
      });
    });

    it('accept: the payment succeeds with the wallet\'s transaction and time, nothing is refunded, succeeded and late_success announced', async () => {
      const merchantId = await insertMerchant(t.handle.db);
      expect(await repo.policyOf(merchantId)).toBe('refund');
      expect(await repo.setPolicy(merchantId, 'accept')).toBe(true);
      const { id } = await closedPayment(merchantId);
      const outcomes = await Promise.all([repo.record(id, charge(1234), task()), repo.record(id, charge(1234), task())]);
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['accepted', 'already_handled']);
      const { payment, refunds, events } = await rowsOf(id);
      expect(payment).toMatchObject({ status: 'succeeded', failure_code: null, closed_at: null, paid_at: '2026-12-04T10:00:01.000Z', wallet_transaction_id: '2026120422001', late_success_action: 'accepted' });
      expect(refunds).toEqual([]);
      expect(events.map((e) => e.type).sort()).toEqual(['payment.late_success', 'payment.succeeded']);
      // Succeeded now, and still known as the late success it was: found again (a statement), it is already handled.
      expect((await repo.record(id, charge(1234), task())).outcome).toBe('already_handled');
    });

    it('a processing, succeeded or unknown payment is not late; an unknown merchant has no policy', async () => {
      const merchantId = await insertMerchant(t.handle.db);
      const paid = await insertPayment(t.handle.db, merchantId);
      expect((await repo.record(paid.id, charge(1234), task())).outcome).toBe('not_late');
      expect((await repo.record('pay_nothing_here', charge(1234), task())).outcome).toBe('not_late');
      expect(await repo.policyOf('mer_nobody')).toBeNull();
      expect(await repo.setPolicy('mer_nobody', 'accept')).toBe(false);
      expect(await rowsOf(paid.id)).toMatchObject({ refunds: [], events: [] });
    });
  });
}
