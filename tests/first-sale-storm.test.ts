import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';

/**
 * A new merchant's very first sale, sent 200 times at once with one Idempotency-Key (a register that
 * retries on every timeout): the wallet account is registered once, the buyer is charged once, and no
 * answer is a 5xx.
 */
describe("a new merchant's first sale in a retry storm", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite');
  });
  afterAll(() => h?.close());

  for (const [wallet, barcode] of [['alipay', '280000000000000001'], ['wechat', '130000000000000001']] as const) {
    it(`${wallet}: 200 identical first creates answer one payment, charged once`, { timeout: 60_000 }, async () => {
      const shop = await h.createMerchant(`Storm shop ${wallet}`);
      const headers = { authorization: `Bearer ${shop.secret_key}`, 'idempotency-key': `first-sale-${wallet}` };
      const body = { amount: 880, currency: 'CNY', merchant_order_id: `first-${wallet}`, barcode, wait_seconds: 10 };
      const answers = await Promise.all(Array.from({ length: 200 }, () => h.api('POST', '/v1/payments', body, headers)));

      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
      expect(new Set(statuses)).toEqual(new Set([200]));
      const ids = new Set(answers.map((a) => a.body.id));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      const charges = (await h.ledger()).charges.filter((c) => c.outTradeNo === id);
      expect(charges).toHaveLength(1);
      const accounts = await h.db.selectFrom('wallet_accounts').selectAll().where('merchant_id', '=', shop.merchant_id).where('wallet', '=', wallet).execute();
      expect(accounts).toHaveLength(1);
    });
  }
});
