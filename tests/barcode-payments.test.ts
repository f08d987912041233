import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '@counterpay/db/test-databases';
import { type Harness, startHarness } from './support/harness.ts';
import { waitUntil } from './support/wait.ts';

const WALLET_PREFIX = { alipay: '28000000000000000', wechat: '13000000000000000' } as const;
let order = 0;
const orderId = (tag: string) => `${tag}-${Date.now()}-${order++}`;

for (const kind of await testDatabaseKinds()) {
  describe(`barcode payments end to end on ${kind}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(kind);
    });
    afterAll(async () => {
      // The gateway's records must match the wallet's ledger after the whole suite.
      if (!h) return;
      try {
        const report = await h.reconcile();
        expect(report.mismatches).toEqual([]);
        expect(report.charges).toBeGreaterThan(0);
      } finally {
        await h.close();
      }
    });

    const pay = (code: string, extra: Record<string, unknown> = {}) =>
      h.api('POST', '/v1/payments', { amount: 1234, currency: 'CNY', merchant_order_id: orderId(code), barcode: code, ...extra });
    const getPayment = (id: string) => h.api('GET', `/v1/payments/${id}`).then((r) => r.body);

    for (const wallet of ['alipay', 'wechat'] as const) {
      const code = (n: number) => `${WALLET_PREFIX[wallet]}${n}`;

      it(`${wallet}: should succeed at once with test code 1`, async () => {
        const { status, body } = await pay(code(1));
        expect(status).toBe(200);
        expect(body).toMatchObject({ object: 'payment', status: 'succeeded', wallet, amount: 1234, currency: 'CNY', amount_refunded: 0 });
        expect(body.id).toMatch(/^pay_/);
        expect(body.wallet_transaction_id).toBeTruthy();
        expect(body.paid_at).toBeTruthy();
        expect(body.barcode).not.toContain(code(1).slice(4, 14));
        const ledger = await h.ledger();
        expect(ledger.charges.filter((c) => c.outTradeNo === body.id)).toMatchObject([{ status: 'paid', amount: 1234, currency: 'CNY' }]);
      });

      it(`${wallet}: should succeed after the buyer confirms with a password (code 2)`, async () => {
        const { body } = await pay(code(2), { wait_seconds: 10 });
        expect(body.status).toBe('succeeded');
      });

      it(`${wallet}: should answer processing at once and settle later when asked not to wait (code 2)`, async () => {
        const { body } = await pay(code(2), { wait_seconds: 0 });
        expect(body.status).toBe('processing');
        const settled = await waitUntil(() => getPayment(body.id), (p) => p.status !== 'processing', 10_000);
        expect(settled.status).toBe('succeeded');
      });

      it(`${wallet}: should name the buyer as the wallet does once paid, from the pay answer (code 1) and from a query (code 2)`, async () => {
        // Alipay: the masked login and the 16-digit 2088… id; WeChat Pay: the openid only (it shows no login).
        const expected = wallet === 'alipay' ? { account: expect.stringMatching(/^158\*{4}\d{4}$/), id: expect.stringMatching(/^2088\d{12}$/) } : { account: null, id: expect.stringMatching(/^o[\w-]{27}$/) };
        const atOnce = (await pay(code(1))).body;
        expect(atOnce).toMatchObject({ status: 'succeeded', buyer: expected });
        expect(atOnce.buyer.id).not.toBe(atOnce.wallet_transaction_id);
        // One test code is one buyer: a second payment with it names the same one.
        expect((await pay(code(1))).body.buyer).toEqual(atOnce.buyer);

        const { body: waiting } = await pay(code(2), { wait_seconds: 0 });
        expect(waiting).toMatchObject({ status: 'processing', buyer: null });
        const confirmed = await waitUntil(() => getPayment(waiting.id), (p) => p.status !== 'processing', 10_000);
        expect(confirmed).toMatchObject({ status: 'succeeded', buyer: expected });
        expect(confirmed.buyer.id).not.toBe(atOnce.buyer.id);
        // Listing shows the same object.
        const listed = (await h.api('GET', `/v1/payments?merchant_order_id=${confirmed.merchant_order_id}`)).body.data[0];
        expect(listed.buyer).toEqual(confirmed.buyer);
      });

      it(`${wallet}: should name no buyer on a payment the wallet refused (code 3)`, async () => {
        expect((await pay(code(3))).body).toMatchObject({ status: 'failed', buyer: null });
      });

      it(`${wallet}: should fail with insufficient_balance (code 3)`, async () => {
        const { status, body } = await pay(code(3));
        expect(status).toBe(200);
        expect(body).toMatchObject({ status: 'failed', failure_code: 'insufficient_balance' });
        expect(body.failure_message).toBeTruthy();
      });

      it(`${wallet}: should fail with barcode_expired (code 4)`, async () => {
        const { body } = await pay(code(4));
        expect(body).toMatchObject({ status: 'failed', failure_code: 'barcode_expired' });
      });

      it(`${wallet}: should cancel at the deadline when the buyer never confirms (code 5)`, async () => {
        const { body } = await pay(code(5), { wait_seconds: 0 });
        expect(body.status).toBe('processing');
        const settled = await waitUntil(() => getPayment(body.id), (p) => p.status !== 'processing', h.timings.buyerConfirmDeadlineMs + 8000);
        expect(settled).toMatchObject({ status: 'closed', failure_code: 'payment_expired' });
        const charge = (await h.ledger()).charges.find((c) => c.outTradeNo === body.id);
        expect(charge?.status).not.toBe('paid');
      });

      it(`${wallet}: should find the truth by query when the first answer is lost (code 6)`, async () => {
        const { body } = await pay(code(6), { wait_seconds: 10 });
        expect(body.status).toBe('succeeded');
        const calls = await h.db.selectFrom('wallet_calls').selectAll().where('payment_id', '=', body.id).orderBy('created_at').execute();
        expect(calls[0]).toMatchObject({ outcome: 'unknown' });
        expect(calls.some((c) => c.outcome === 'succeeded')).toBe(true);
      });

      it(`${wallet}: should keep the caller's wait even while the wallet's answer is lost in flight (code 6)`, async () => {
        await pay(code(1)); // the merchant's wallet account exists (a first use registers it at the simulator)
        const started = Date.now();
        const { body } = await pay(code(6), { wait_seconds: 0 });
        // The wallet call alone may take the whole wallet timeout; the answer may not.
        expect(Date.now() - started).toBeLessThan(h.timings.walletTimeoutMs / 2);
        expect(body.status).toBe('processing');
        const settled = await waitUntil(() => h.api('GET', `/v1/payments/${body.id}`).then((r) => r.body), (p) => p.status !== 'processing', 15_000, 100);
        expect(settled.status).toBe('succeeded');
      });

      it(`${wallet}: should cancel a processing payment when the cashier gives up`, async () => {
        const { body } = await pay(code(5), { wait_seconds: 0 });
        const cancelled = await h.api('POST', `/v1/payments/${body.id}/cancel`, { wait_seconds: 10 });
        expect(cancelled.status).toBe(200);
        expect(cancelled.body).toMatchObject({ status: 'closed', failure_code: 'payment_cancelled' });
        // A repeated cancel (a retry of the cashier's click) answers the same result.
        const again = await h.api('POST', `/v1/payments/${body.id}/cancel`, {});
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ id: body.id, status: 'closed', failure_code: 'payment_cancelled' });
      });

      it(`${wallet}: should partially refund a succeeded payment, repeatedly, never above the amount paid`, async () => {
        const { body: payment } = await pay(code(1), { amount: 1000 });
        const first = await h.api('POST', `/v1/payments/${payment.id}/refunds`, { amount: 300, merchant_refund_id: orderId('r') });
        expect(first.body).toMatchObject({ object: 'refund', status: 'succeeded', amount: 300, payment: payment.id });
        expect(first.body.id).toMatch(/^re_/);
        const second = await h.api('POST', `/v1/payments/${payment.id}/refunds`, { amount: 600 });
        expect(second.body.status).toBe('succeeded');
        const tooMuch = await h.api('POST', `/v1/payments/${payment.id}/refunds`, { amount: 101 });
        expect(tooMuch.status).toBe(400);
        expect(tooMuch.body.error).toMatchObject({ code: 'refund_exceeds_payment', param: 'amount' });
        const rest = await h.api('POST', `/v1/payments/${payment.id}/refunds`, {});
        expect(rest.body).toMatchObject({ status: 'succeeded', amount: 100 });
        expect((await getPayment(payment.id)).amount_refunded).toBe(1000);
        const list = await h.api('GET', `/v1/payments/${payment.id}/refunds`);
        expect(list.body.data.map((r: { amount: number }) => r.amount)).toEqual([300, 600, 100]);
        const fetched = await h.api('GET', `/v1/refunds/${first.body.id}`);
        expect(fetched.body).toEqual(first.body);
        const atWallet = (await h.ledger()).refunds.filter((r) => r.outTradeNo === payment.id);
        expect(atWallet.reduce((sum, r) => sum + r.amount, 0)).toBe(1000);
      });

      it(`${wallet}: should refuse to refund a payment that did not succeed`, async () => {
        const { body } = await pay(code(3));
        const refund = await h.api('POST', `/v1/payments/${body.id}/refunds`, { amount: 1 });
        expect(refund.status).toBe(400);
        expect(refund.body.error.code).toBe('payment_not_refundable');
      });

      it(`${wallet}: should never refund more than paid under 50 parallel refunds`, async () => {
        const { body: payment } = await pay(code(1), { amount: 1000 });
        const results = await Promise.all(
          Array.from({ length: 50 }, () => h.api('POST', `/v1/payments/${payment.id}/refunds`, { amount: 70, wait_seconds: 15 })),
        );
        const succeeded = results.filter((r) => r.status === 200 && r.body.status === 'succeeded');
        const refused = results.filter((r) => r.status === 400);
        expect(succeeded.length + refused.length).toBe(50);
        expect(succeeded.length).toBe(14); // 14 × 70 = 980 ≤ 1000 < 15 × 70
        expect(refused.every((r) => r.body.error.code === 'refund_exceeds_payment')).toBe(true);
        const atWallet = (await h.ledger()).refunds.filter((r) => r.outTradeNo === payment.id);
        expect(atWallet.reduce((sum, r) => sum + r.amount, 0)).toBe(980);
        expect((await getPayment(payment.id)).amount_refunded).toBe(980);
      });
    }

    it('should create one payment and one wallet charge for 100 parallel requests with the same Idempotency-Key', async () => {
      const body = { amount: 500, currency: 'CNY', merchant_order_id: orderId('idem'), barcode: `${WALLET_PREFIX.alipay}1` };
      const key = `key-${orderId('k')}`;
      const results = await Promise.all(Array.from({ length: 100 }, () => h.api('POST', '/v1/payments', body, { 'idempotency-key': key })));
      expect(results.every((r) => r.status === 200)).toBe(true);
      const ids = new Set(results.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      expect(results.every((r) => r.body.status === 'succeeded')).toBe(true);
      expect((await h.ledger()).charges.filter((c) => c.outTradeNo === id)).toHaveLength(1);
      const calls = await h.db.selectFrom('wallet_calls').selectAll().where('payment_id', '=', id!).execute();
      expect(calls.filter((c) => c.method.includes('pay'))).toHaveLength(1);
    });

    it('should answer 409 when an Idempotency-Key is reused with a different body', async () => {
      const key = `key-${orderId('k')}`;
      const first = await h.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', merchant_order_id: orderId('a'), barcode: `${WALLET_PREFIX.wechat}1` }, { 'idempotency-key': key });
      expect(first.status).toBe(200);
      const second = await h.api('POST', '/v1/payments', { amount: 200, currency: 'CNY', merchant_order_id: orderId('b'), barcode: `${WALLET_PREFIX.wechat}1` }, { 'idempotency-key': key });
      expect(second.status).toBe(409);
      expect(second.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_reused' });
    });

    it('should treat a repeated merchant_order_id as a retry, and a different request with it as a conflict', async () => {
      const body = { amount: 100, currency: 'CNY', merchant_order_id: orderId('dup'), barcode: `${WALLET_PREFIX.alipay}1` };
      const first = await h.api('POST', '/v1/payments', body);
      const retry = await h.api('POST', '/v1/payments', body);
      expect(retry.body.id).toBe(first.body.id);
      const conflict = await h.api('POST', '/v1/payments', { ...body, amount: 101 });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error).toMatchObject({ code: 'duplicate_merchant_order_id', param: 'merchant_order_id' });
    });

    it('should list payments newest first with filters and cursor pagination', async () => {
      const tag = orderId('list');
      const created: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { body } = await pay(`${WALLET_PREFIX.alipay}1`, { merchant_order_id: `${tag}-${i}` });
        created.push(body.id);
      }
      const page1 = await h.api('GET', '/v1/payments?limit=3');
      expect(page1.body).toMatchObject({ object: 'list', has_more: true });
      expect(page1.body.data.map((p: { id: string }) => p.id)).toEqual(created.slice(-3).reverse());
      const page2 = await h.api('GET', `/v1/payments?limit=2&starting_after=${page1.body.data[2].id}`);
      expect(page2.body.data.map((p: { id: string }) => p.id)).toEqual(created.slice(0, 2).reverse());
      const byOrder = await h.api('GET', `/v1/payments?merchant_order_id=${tag}-3`);
      expect(byOrder.body.data.map((p: { id: string }) => p.id)).toEqual([created[3]]);
      const failed = await h.api('GET', '/v1/payments?status=failed&limit=100');
      expect(failed.body.data.every((p: { status: string }) => p.status === 'failed')).toBe(true);
    });

    it('should not show one merchant\'s payment to another', async () => {
      const { body } = await pay(`${WALLET_PREFIX.alipay}1`);
      const other = await h.createMerchant('Other');
      const response = await h.api('GET', `/v1/payments/${body.id}`, undefined, { authorization: `Bearer ${other.secret_key}` });
      expect(response.status).toBe(404);
    });
  });
}
