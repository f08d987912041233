import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyNotification } from '@counterpay/core';
import { testDatabaseKinds } from '@counterpay/db/test-databases';
import { type Harness, type HarnessSettings, type Ledger, type ProcessHarness, startHarness, startProcessHarness } from './support/harness.ts';
import { startReceiver } from './support/receiver.ts';
import { waitUntil } from './support/wait.ts';

/**
 * Late successes end to end (test code 7): the buyer confirms only after the gateway's cancel at the
 * deadline was acknowledged, and the wallet records the payment about a second later. The gateway
 * must find it within seconds and refund it exactly once (or accept it when the merchant says so),
 * tell the merchant with a signed `payment.late_success`, and keep doing so across a kill -9 and
 * with several instances.
 */
const LATE = { alipay: '280000000000000007', wechat: '130000000000000007' } as const;
const WALLETS = ['alipay', 'wechat'] as const;
type WalletName = (typeof WALLETS)[number];

/** A short buyer deadline and quick follow-up queries after the close (the simulator pays 1 s after the cancel). */
const SETTINGS: HarnessSettings = { buyerConfirmDeadlineMs: 1500, extraEnv: { LATE_SUCCESS_CHECKS_MS: '1500,3000,6000' } };
/** From the close to the refund at the wallet: the first follow-up query plus the refund call, with room for a loaded machine. */
const FOUND_WITHIN_MS = 10_000;

let order = 0;
const orderId = (tag: string) => `late-${tag}-${Date.now()}-${order++}`;

interface Api {
  <T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** The native API with another merchant's secret key (the harness's `api` is the suite merchant's). */
function apiAs(baseUrl: string, secretKey: string): Api {
  return async (method, path, body) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${secretKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
}

/** A …0007 barcode payment; the answer comes after the deadline's cancel, so it is closed. */
async function payLate(api: Api, wallet: WalletName, amount: number) {
  const { status, body } = await api('POST', '/v1/payments', { amount, currency: 'CNY', merchant_order_id: orderId(wallet), barcode: LATE[wallet], wait_seconds: 10 });
  expect(status).toBe(200);
  return body as { id: string; status: string; closed_at: string | null; amount: number };
}

const chargeOf = (ledger: Ledger, paymentId: string) => ledger.charges.find((c) => c.outTradeNo === paymentId);
const refundsOf = (ledger: Ledger, paymentId: string) => ledger.refunds.filter((r) => r.outTradeNo === paymentId);
const refundedAt = (ledger: Ledger, paymentId: string) => refundsOf(ledger, paymentId).reduce((sum, r) => sum + r.amount, 0);

/** The native events a receiver got, parsed, with their signatures checked against the endpoint's secret. */
function eventsAt(receiver: Awaited<ReturnType<typeof startReceiver>>, secret: string) {
  return receiver.received.map((r) => {
    expect(() => verifyNotification(r.body, r.signature, secret)).not.toThrow();
    return JSON.parse(r.body) as { id: string; type: string; data: { object: any } };
  });
}

describe('late success (test code 7), one gateway on SQLite', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let endpointSecret: string;

  beforeAll(async () => {
    h = await startHarness('sqlite', SETTINGS);
    receiver = await startReceiver();
    const { status, body } = await h.api('POST', '/v1/webhook_endpoints', { url: receiver.url, event_types: ['payment.late_success', 'payment.closed', 'payment.succeeded', 'refund.succeeded'] });
    expect(status).toBe(200);
    endpointSecret = body.secret;
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  for (const wallet of WALLETS) {
    it(`${wallet}: a payment closed at the deadline and paid a moment later is refunded once, within seconds, and the merchant is told`, { timeout: 40_000 }, async () => {
      const amount = wallet === 'alipay' ? 881 : 882;
      const payment = await payLate(h.api, wallet, amount);
      expect(payment.status).toBe('closed');
      const closedAt = Date.parse(payment.closed_at!);

      // The wallet records the payment after it acknowledged the cancel; the gateway refunds exactly that charge.
      const ledger = await waitUntil(() => h.ledger(), (l) => refundedAt(l, payment.id) >= amount, FOUND_WITHIN_MS, 100);
      const refundedMs = Date.now() - closedAt;
      const charge = chargeOf(ledger, payment.id);
      expect(charge).toMatchObject({ wallet, amount, currency: 'CNY' });
      expect(charge!.tradeNo).toBeTruthy();
      expect(refundsOf(ledger, payment.id)).toHaveLength(1);
      expect(refundedAt(ledger, payment.id)).toBe(amount);

      // The payment stays closed and shows the refund, with the late-success reason.
      const refunds = await waitUntil(
        () => h.api('GET', `/v1/payments/${payment.id}/refunds`).then((r) => r.body.data as any[]),
        (list) => list.length === 1 && list[0].status === 'succeeded',
        10_000,
      );
      expect(refunds[0]).toMatchObject({ payment: payment.id, amount, status: 'succeeded', reason: 'late_success' });
      const after = await h.api('GET', `/v1/payments/${payment.id}`);
      expect(after.body).toMatchObject({ status: 'closed', amount, amount_refunded: amount, late_success: { amount, wallet_transaction_id: charge!.tradeNo, action: 'refunded' } });

      // payment.late_success reached the native endpoint, signed, with the charge and what was done.
      const events = await waitUntil(
        // A refund event's object names its payment in `payment`.
        async () => eventsAt(receiver, endpointSecret).filter((e) => e.data.object.id === payment.id || e.data.object.payment === payment.id),
        (list) => list.some((e) => e.type === 'payment.late_success') && list.some((e) => e.type === 'refund.succeeded'),
        10_000,
      );
      const late = events.filter((e) => e.type === 'payment.late_success');
      expect(late).toHaveLength(1);
      expect(late[0]!.data.object).toMatchObject({
        id: payment.id,
        status: 'closed',
        // Alipay's barcode pay carries the gateway's notify_url, so its notification comes before the follow-up query.
        late_success: { amount, wallet_transaction_id: charge!.tradeNo, action: 'refunded', refund: refunds[0].id, found_by: wallet === 'alipay' ? 'notification' : 'query' },
      });
      console.log(`late success (${wallet}): refunded at the wallet ${refundedMs} ms after the close`);

      // The follow-up queries end, and nothing more happens however long we look.
      await waitUntil(
        () => h.db.selectFrom('tasks').select('kind').where('object_id', '=', payment.id).execute(),
        (tasks) => tasks.length === 0,
        10_000,
      );
      expect(refundsOf(await h.ledger(), payment.id)).toHaveLength(1);
      const stored = await h.db.selectFrom('refunds').select(['id', 'amount']).where('payment_id', '=', payment.id).execute();
      expect(stored).toEqual([{ id: refunds[0].id, amount }]);
    });
  }

  it('wechat: the same late success found by a query and notified by the wallet (several times, at once) is refunded once', { timeout: 40_000 }, async () => {
    const amount = 883;
    const payment = await payLate(h.api, 'wechat', amount);
    expect(payment.status).toBe('closed');
    // Wait for the wallet's late payment, then notify it as WeChat Pay would, in a burst, while the follow-up query runs.
    const paidLedger = await waitUntil(() => h.ledger(), (l) => chargeOf(l, payment.id)?.status === 'paid', 5_000, 50);
    const charge = chargeOf(paidLedger, payment.id)!;
    const credentials = await h.gateway.services.walletAccounts.credentials(h.merchant.merchant_id, 'wechat');
    if (credentials.wallet !== 'wechat') throw new Error('expected WeChat Pay credentials');
    const notify = () =>
      fetch(`${h.url}/wallet-notify/wechat`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: wechatPaidNotification({ appId: credentials.appId, mchId: credentials.mchId, apiKey: credentials.apiKey }, payment.id, charge.tradeNo, amount),
      }).then(async (r) => ({ status: r.status, text: await r.text() }));
    const burst = await Promise.all([notify(), notify(), notify(), h.api('GET', `/v1/payments/${payment.id}`)]);
    for (const answer of burst.slice(0, 3) as Array<{ status: number; text: string }>) {
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('SUCCESS');
    }
    await waitUntil(() => h.ledger(), (l) => refundedAt(l, payment.id) >= amount, FOUND_WITHIN_MS, 100);
    // And once more after it was handled, by notification (the wallet retries) — acknowledged, nothing new.
    const again = await notify();
    expect(again.status).toBe(200);
    await waitUntil(
      () => h.db.selectFrom('tasks').select('kind').where('object_id', '=', payment.id).execute(),
      (tasks) => tasks.length === 0,
      10_000,
    );
    const ledger = await h.ledger();
    expect(refundsOf(ledger, payment.id)).toHaveLength(1);
    expect(refundedAt(ledger, payment.id)).toBe(amount);
    expect(await h.db.selectFrom('refunds').select('amount').where('payment_id', '=', payment.id).execute()).toEqual([{ amount }]);
    const lateEvents = await h.db.selectFrom('events').select('type').where('object_id', '=', payment.id).where('type', '=', 'payment.late_success').execute();
    expect(lateEvents).toHaveLength(1);
    expect((await h.api('GET', `/v1/payments/${payment.id}`)).body).toMatchObject({ status: 'closed', amount_refunded: amount });
  });

  it('the entry point for the reconciliation engine acts once, and refuses payments that are not closed or failed', { timeout: 40_000 }, async () => {
    const guard = h.gateway.services.lateSuccess;
    const paid = await h.api('POST', '/v1/payments', { amount: 500, currency: 'CNY', merchant_order_id: orderId('ok'), barcode: '280000000000000001' });
    expect(paid.body.status).toBe('succeeded');
    expect(await guard.found(paid.body.id, { walletTransactionId: 'x', amount: 500, paidAt: new Date(), source: 'statement' })).toBe('not_late');
    expect(await guard.found('pay_does_not_exist', { walletTransactionId: 'x', amount: 500, paidAt: new Date(), source: 'statement' })).toBe('not_late');

    const payment = await payLate(h.api, 'alipay', 884);
    const ledger = await waitUntil(() => h.ledger(), (l) => refundedAt(l, payment.id) >= 884, FOUND_WITHIN_MS, 100);
    const tradeNo = chargeOf(ledger, payment.id)!.tradeNo;
    // The statement shows the same late success the next day: already handled, nothing more is refunded.
    expect(await guard.found(payment.id, { walletTransactionId: tradeNo, amount: 884, paidAt: new Date(), source: 'statement' })).toBe('already_handled');
    expect(refundsOf(await h.ledger(), payment.id)).toHaveLength(1);
  });
});

describe('late success accepted as succeeded (merchant policy "accept")', () => {
  let h: Harness;
  let api: Api;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let endpointSecret: string;

  beforeAll(async () => {
    h = await startHarness('sqlite', SETTINGS);
    const merchant = await h.createMerchant('Accepting Shop');
    api = apiAs(h.url, merchant.secret_key);
    expect((await api('GET', '/v1/settings')).body).toMatchObject({ late_success_policy: 'refund' });
    const set = await api('POST', '/v1/settings', { late_success_policy: 'accept' });
    expect(set).toMatchObject({ status: 200, body: { late_success_policy: 'accept' } });
    expect((await api('POST', '/v1/settings', { late_success_policy: 'keep' })).status).toBe(400);
    receiver = await startReceiver();
    const endpoint = await api('POST', '/v1/webhook_endpoints', { url: receiver.url });
    endpointSecret = endpoint.body.secret;
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  for (const wallet of WALLETS) {
    it(`${wallet}: the payment becomes succeeded with the wallet's transaction, and nothing is refunded`, { timeout: 40_000 }, async () => {
      const amount = wallet === 'alipay' ? 771 : 772;
      const payment = await payLate(api, wallet, amount);
      expect(payment.status).toBe('closed');
      const succeeded = await waitUntil(() => api('GET', `/v1/payments/${payment.id}`).then((r) => r.body), (p) => p.status === 'succeeded', FOUND_WITHIN_MS, 100);
      const ledger = await h.ledger();
      const charge = chargeOf(ledger, payment.id)!;
      expect(succeeded).toMatchObject({ status: 'succeeded', amount, amount_refunded: 0, wallet_transaction_id: charge.tradeNo, failure_code: null, closed_at: null, late_success: { amount, action: 'accepted' } });
      expect(succeeded.paid_at).toBeTruthy();
      const events = await waitUntil(
        async () => eventsAt(receiver, endpointSecret).filter((e) => e.data.object.id === payment.id),
        (list) => list.some((e) => e.type === 'payment.late_success') && list.some((e) => e.type === 'payment.succeeded'),
        10_000,
      );
      expect(events.find((e) => e.type === 'payment.late_success')!.data.object).toMatchObject({
        status: 'succeeded',
        late_success: { amount, wallet_transaction_id: charge.tradeNo, action: 'accepted', refund: null },
      });
      // Past every follow-up query: still no refund anywhere.
      await waitUntil(
        () => h.db.selectFrom('tasks').select('kind').where('object_id', '=', payment.id).execute(),
        (tasks) => tasks.length === 0,
        10_000,
      );
      expect(refundsOf(await h.ledger(), payment.id)).toEqual([]);
      expect(await h.db.selectFrom('refunds').select('id').where('payment_id', '=', payment.id).execute()).toEqual([]);
      // An accepted late success is an ordinary succeeded payment: the merchant may refund it as any other.
      const refund = await api('POST', `/v1/payments/${payment.id}/refunds`, { amount: 100 });
      expect(refund.status).toBe(200);
    });
  }
});

describe('late success across a kill -9 of the gateway', () => {
  let h: ProcessHarness;

  beforeAll(async () => {
    h = await startProcessHarness('sqlite', SETTINGS);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a gateway killed right after it found the late success still refunds it, once', { timeout: 120_000 }, async () => {
    const gateway = h.gateways[0]!;
    // The wallet takes its time over refunds, so the kill lands while the refund is committed here and in flight there.
    expect(await h.setFaults([{ wallet: '*', method: 'alipay.trade.refund', latencyMs: 1500 }, { wallet: '*', method: '/secapi/pay/refund', latencyMs: 1500 }])).toBe(200);
    // Alipay here (found by its notification), WeChat Pay in the next test (found by the follow-up query).
    for (const wallet of ['alipay'] as const) {
      const amount = 661;
      const payment = await payLate(h.api, wallet, amount);
      expect(payment.status).toBe('closed');
      const found = await waitUntil(
        () => h.db.selectFrom('refunds').select(['id', 'status']).where('payment_id', '=', payment.id).execute(),
        (rows) => rows.length > 0,
        FOUND_WITHIN_MS,
        10,
      );
      expect(found).toHaveLength(1);
      await gateway.kill9();
      await h.setFaults([]);
      await gateway.start();
      const ledger = await waitUntil(() => h.ledger(), (l) => refundedAt(l, payment.id) >= amount, 30_000, 200);
      expect(refundsOf(ledger, payment.id)).toHaveLength(1);
      expect(refundedAt(ledger, payment.id)).toBe(amount);
      const refunds = await waitUntil(
        () => h.db.selectFrom('refunds').select(['id', 'status', 'amount']).where('payment_id', '=', payment.id).execute(),
        (rows) => rows.every((r) => r.status === 'succeeded'),
        30_000,
        200,
      );
      expect(refunds).toEqual([{ id: found[0]!.id, status: 'succeeded', amount }]);
      expect((await h.api('GET', `/v1/payments/${payment.id}`)).body).toMatchObject({ status: 'closed', amount_refunded: amount });
      await h.setFaults([{ wallet: '*', method: 'alipay.trade.refund', latencyMs: 1500 }, { wallet: '*', method: '/secapi/pay/refund', latencyMs: 1500 }]);
    }
    await h.setFaults([]);
  });

  it('a gateway killed after the close, before the follow-up query, finds the late success after its restart', { timeout: 120_000 }, async () => {
    const gateway = h.gateways[0]!;
    const amount = 663;
    const payment = await payLate(h.api, 'wechat', amount);
    expect(payment.status).toBe('closed');
    await gateway.kill9();
    await new Promise((r) => setTimeout(r, 2000)); // the wallet records the payment while nobody is there
    await gateway.start();
    const ledger = await waitUntil(() => h.ledger(), (l) => refundedAt(l, payment.id) >= amount, 30_000, 200);
    expect(refundsOf(ledger, payment.id)).toHaveLength(1);
    expect(refundedAt(ledger, payment.id)).toBe(amount);
    expect(await h.db.selectFrom('refunds').select('amount').where('payment_id', '=', payment.id).execute()).toEqual([{ amount }]);
  });
});

const kinds = await testDatabaseKinds();
describe.runIf(kinds.includes('postgres'))('late success with two gateway instances on PostgreSQL', () => {
  let h: ProcessHarness;

  beforeAll(async () => {
    h = await startProcessHarness('postgres', { ...SETTINGS, instances: 2 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('each late success is refunded once, whichever instance looks', { timeout: 120_000 }, async () => {
    const payments = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const wallet = WALLETS[i % 2]!;
        const amount = 551 + i;
        const gateway = h.gateways[i % h.gateways.length]!;
        const payment = await payLate(apiAs(gateway.url, h.merchant.secret_key), wallet, amount);
        expect(payment.status).toBe('closed');
        return { id: payment.id, amount };
      }),
    );
    const ledger = await waitUntil(() => h.ledger(), (l) => payments.every((p) => refundedAt(l, p.id) >= p.amount), 30_000, 200);
    // Past every follow-up query of both instances.
    await waitUntil(
      () => h.db.selectFrom('tasks').select('kind').where('object_id', 'in', payments.map((p) => p.id)).execute(),
      (tasks) => tasks.length === 0,
      20_000,
      200,
    );
    const final = await h.ledger();
    for (const p of payments) {
      expect(refundsOf(ledger, p.id)).toHaveLength(1);
      expect(refundsOf(final, p.id)).toHaveLength(1);
      expect(refundedAt(final, p.id)).toBe(p.amount);
      expect(await h.db.selectFrom('refunds').select('amount').where('payment_id', '=', p.id).execute()).toEqual([{ amount: p.amount }]);
      const events = await h.db.selectFrom('events').select('type').where('object_id', '=', p.id).where('type', '=', 'payment.late_success').execute();
      expect(events).toHaveLength(1);
    }
  });
});

/** A WeChat Pay v2 payment notification, signed with the merchant's API key (MD5), as the wallet sends it. */
function wechatPaidNotification(account: { appId: string; mchId: string; apiKey: string }, outTradeNo: string, transactionId: string, amount: number): string {
  const fields: Record<string, string> = {
    return_code: 'SUCCESS',
    appid: account.appId,
    mch_id: account.mchId,
    nonce_str: randomBytes(16).toString('hex'),
    result_code: 'SUCCESS',
    openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    trade_type: 'MICROPAY',
    bank_type: 'CFT',
    total_fee: String(amount),
    fee_type: 'CNY',
    cash_fee: String(amount),
    transaction_id: transactionId,
    out_trade_no: outTradeNo,
    time_end: '20260101120000',
  };
  const text = `${Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&')}&key=${account.apiKey}`;
  fields.sign = createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
  return `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`;
}
