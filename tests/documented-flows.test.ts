import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';

/**
 * The README's test codes with the product's own defaults (no shortened timings): the password code
 * "succeeds after about 5 s", so a register that sends it and waits the default time sees `succeeded`,
 * not `processing` first.
 */
describe('documented flows with the default timings', () => {
  let h: Harness;
  beforeAll(async () => {
    // Empty values make the gateway fall back to its defaults; the simulator keeps its own 5 s confirmation.
    const defaults = { PAYMENT_WAIT_S: '', ALIPAY_QUERY_INTERVAL_MS: '', WECHAT_QUERY_INTERVAL_MS: '', BUYER_CONFIRM_DEADLINE_S: '', WALLET_TIMEOUT_MS: '' };
    h = await startHarness('sqlite', { simConfirmDelayMs: 5000, extraEnv: defaults });
  });
  afterAll(() => h?.close());

  for (const [wallet, barcode] of [['Alipay', '280000000000000002'], ['WeChat Pay', '130000000000000002']] as const) {
    it.concurrent(`${wallet}'s password code answers succeeded within the default wait`, { timeout: 30_000 }, async () => {
      const started = Date.now();
      const res = await h.api('POST', '/v1/payments', { amount: 1250, currency: 'CNY', merchant_order_id: `doc-${barcode}`, barcode });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('succeeded');
      // It really waited for the buyer's confirmation.
      expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    });
  }
});
