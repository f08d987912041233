import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, openTestDatabase, testDatabaseKinds } from '@counterpay/db/test-databases';
import { insertMerchant, insertPayment } from './notification-test-fixtures.ts';
import { PaymentRepository } from './payment-repository.ts';

for (const kind of await testDatabaseKinds()) {
  describe(`one-for-all QR wallet switch on ${kind}`, () => {
    let t: TestDatabase;
    let payments: PaymentRepository;
    beforeAll(async () => {
      t = await openTestDatabase(kind);
      payments = new PaymentRepository(t.handle.db, kind, 'instance-a');
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    /** An open one-for-all QR payment the buyer opened in Alipay. */
    async function openInAlipay() {
      const merchantId = await insertMerchant(t.handle.db);
      const { id } = await insertPayment(t.handle.db, merchantId);
      await t.handle.db
        .updateTable('payments')
        .set({ status: 'processing', flow: 'qr', wallet: 'alipay', qr_code: 'https://alipay.example/qr', wallet_transaction_id: null, paid_at: null })
        .where('id', '=', id)
        .execute();
      return id;
    }

    it('rebinds once, clearing the first wallet\'s code', async () => {
      const id = await openInAlipay();
      const switched = await payments.switchWallet(id, 'alipay', 'wechat');
      expect(switched).toMatchObject({ wallet: 'wechat', switched_from_wallet: 'alipay', qr_code: null, status: 'processing' });
      expect(await payments.switchWallet(id, 'wechat', 'alipay')).toBeNull();
      expect(await payments.get(id)).toMatchObject({ wallet: 'wechat' });
    });

    it('ignores a change decided by the wallet the payment was switched away from', async () => {
      const id = await openInAlipay();
      await payments.switchWallet(id, 'alipay', 'wechat');
      // A resolver that queried Alipay before the switch saw its order closed: that must not close the payment.
      expect(await payments.transition(id, { to: 'closed', failureCode: 'payment_expired', decidedBy: 'alipay' })).toBeNull();
      expect(await payments.get(id)).toMatchObject({ status: 'processing', wallet: 'wechat' });
      expect(await payments.transition(id, { to: 'succeeded', walletTransactionId: 'wx-1', decidedBy: 'wechat' })).toMatchObject({ status: 'succeeded' });
    });
    it('applies a change from the row the caller saw without reading it, and still refuses one it no longer fits', async () => {
      const id = await openInAlipay();
      const seen = (await payments.get(id))!;
      // Seen while bound to Alipay; switched since: the stale row must not let Alipay's answer decide.
      await payments.switchWallet(id, 'alipay', 'wechat');
      expect(await payments.transition(id, { to: 'closed', failureCode: 'payment_expired', decidedBy: 'alipay' }, new Date(), seen)).toBeNull();
      const bound = (await payments.get(id))!;
      const done = await payments.transition(id, { to: 'succeeded', walletTransactionId: 'wx-2', buyerId: 'o-buyer', decidedBy: 'wechat' }, new Date(), bound);
      expect(done).toMatchObject({ status: 'succeeded', wallet_transaction_id: 'wx-2', buyer_id: 'o-buyer', version: bound.version + 1, switched_from_wallet: 'alipay' });
      // The returned row is the committed one, field for field.
      expect(await payments.get(id)).toEqual(done);
      // A second answer from the same stale view changes nothing.
      expect(await payments.transition(id, { to: 'failed', failureCode: 'insufficient_balance', decidedBy: 'wechat' }, new Date(), bound)).toBeNull();
    });
  });
}
