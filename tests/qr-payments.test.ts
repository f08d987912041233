import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { waitUntil } from './support/wait.ts';

/**
 * Merchant-presented QR payments end to end: the register asks the gateway for a code, a consumer
 * "scans" it in the simulator's wallet app, pays, and the gateway learns it from the wallet's signed
 * notification (confirmed by a query) or, when notifications are lost, by polling.
 */
describe('QR payments', () => {
  let h: Harness;
  let consumerId: string;
  let n = 0;
  const orderId = () => `qr-${Date.now()}-${n++}`;

  beforeAll(async () => {
    // Slow polling: when a payment settles fast here, the wallet's notification did it.
    h = await startHarness('sqlite', { queryIntervalMs: 30_000, qrMinExpiryS: 1 });
    const consumers = (await (await fetch(`${h.simUrl}/admin/consumers`)).json()) as Array<{ id: string }>;
    consumerId = consumers[0]!.id;
  });
  afterAll(async () => {
    if (!h) return;
    try {
      const report = await h.reconcile();
      // Codes still open for the buyer are reported as open, not as differences.
      expect(report.mismatches).toEqual([]);
    } finally {
      await h.close();
    }
  });

  const createQr = (qr: Record<string, unknown>, amount = 2590) => h.api('POST', '/v1/payments', { amount, currency: 'CNY', merchant_order_id: orderId(), qr, description: 'Two lattes' });
  const payInApp = async (content: string, wallet: 'alipay' | 'wechat') => {
    const response = await fetch(`${h.simUrl}/app/api/consumers/${consumerId}/pay-qr`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content, wallet, password: '123456' }),
    });
    return { status: response.status, body: (await response.json()) as { outcome?: string; error?: string } };
  };
  const settled = (id: string, ms = 5000) => waitUntil(() => h.api('GET', `/v1/payments/${id}`).then((r) => r.body), (p) => p.status !== 'processing', ms);

  for (const wallet of ['alipay', 'wechat'] as const) {
    it(`${wallet}: shows the wallet's own code, and succeeds on the wallet's notification after the buyer pays`, async () => {
      const { status, body } = await createQr({ wallet, expires_in: 300 });
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'processing', flow: 'qr', wallet, amount: 2590 });
      expect(body.qr_code).toMatch(new RegExp(`^${h.simUrl}/qr/`));
      expect(Date.parse(body.expires_at) - Date.parse(body.created_at)).toBe(300_000);
      const png = await fetch(`${h.url}/v1/payments/${body.id}/qr.png`, { headers: { authorization: `Bearer ${h.merchant.secret_key}` } });
      expect(png.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
      const svg = await fetch(`${h.url}/v1/payments/${body.id}/qr.svg`, { headers: { authorization: `Bearer ${h.merchant.secret_key}` } });
      expect(await svg.text()).toContain('<svg');

      expect((await payInApp(body.qr_code, wallet)).body.outcome).toBe('paid');
      const payment = await settled(body.id);
      expect(payment).toMatchObject({ status: 'succeeded', wallet });
      expect(payment.wallet_transaction_id).toBeTruthy();
    });

    it(`${wallet}: one code for every wallet is paid in the ${wallet} app`, async () => {
      const { body } = await createQr({});
      expect(body).toMatchObject({ status: 'processing', wallet: null, qr_code: null });
      expect(body.qr_url).toBe(`${h.url}/q/${body.id}`);
      expect((await payInApp(body.qr_url, wallet)).body.outcome).toBe('paid');
      expect(await settled(body.id)).toMatchObject({ status: 'succeeded', wallet });
    });
  }

  it('lets the buyer switch wallets on one code: the first order is closed before the second opens', async () => {
    const { body } = await createQr({});
    // The buyer opens the code in Alipay and gets to the password screen, then changes their mind.
    const scanned = await fetch(`${h.simUrl}/app/c/${consumerId}/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ content: body.qr_url, wallet: 'alipay' }).toString(),
      redirect: 'manual',
    });
    expect(scanned.status).toBe(303);
    const alipayOrderPage = new URL(scanned.headers.get('location')!, h.simUrl).toString();

    expect((await payInApp(body.qr_url, 'wechat')).body.outcome).toBe('paid');
    expect(await settled(body.id)).toMatchObject({ status: 'succeeded', wallet: 'wechat' });

    // The Alipay order was closed at Alipay, so the buyer cannot pay twice.
    const late = await fetch(alipayOrderPage, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'password=123456' });
    expect(late.status).toBe(400);
    const charges = (await h.ledger()).charges.filter((c) => c.outTradeNo === body.id);
    expect(charges.map((c) => [c.wallet, c.status]).sort()).toEqual([
      ['alipay', 'closed'],
      ['wechat', 'paid'],
    ]);
  });

  it('switches once: the closed order cannot be reopened, the code stays payable in the second wallet', async () => {
    const { body } = await createQr({});
    const open = (wallet: 'alipay' | 'wechat') =>
      fetch(body.qr_url, { headers: { 'user-agent': wallet === 'alipay' ? 'AlipayClient/10.5' : 'MicroMessenger/8.0' }, redirect: 'manual' });
    expect((await open('alipay')).status).toBe(302);
    expect((await open('wechat')).status).toBe(302);
    const back = await open('alipay');
    expect(back.status).toBe(409);
    expect(await back.text()).toContain('being paid with WeChat Pay');
    expect((await payInApp(body.qr_url, 'wechat')).body.outcome).toBe('paid');
    expect(await settled(body.id)).toMatchObject({ status: 'succeeded', wallet: 'wechat' });
  });

  it('reconciles a code still open for the buyer as open, not as a difference', async () => {
    const { body } = await createQr({ wallet: 'alipay', expires_in: 300 });
    const report = await h.reconcile();
    expect(report.open).toContain(body.id);
    expect(report.mismatches.filter((m) => m.id === body.id)).toEqual([]);
  });

  it('tells a browser that is not a wallet app which apps can pay', async () => {
    const { body } = await createQr({});
    const page = await fetch(body.qr_url, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux) Chrome/120' } });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('Alipay');
    expect(text).toContain('WeChat Pay');
    expect(text).toContain('25.90 CNY');
  });

  it('closes an expired code at the wallet, after which it cannot be paid', async () => {
    const { body } = await createQr({ wallet: 'alipay', expires_in: 1 });
    const closed = await settled(body.id, 6000);
    expect(closed).toMatchObject({ status: 'closed', failure_code: 'payment_expired' });
    const charge = (await h.ledger()).charges.find((c) => c.outTradeNo === body.id);
    expect(charge?.status).toBe('closed');
    const late = await payInApp(body.qr_code, 'alipay');
    expect(late.status).toBe(400);
    expect(late.body.outcome).toBe('not_payable');
  });

  it('lets a payment made at the last second win over expiry, even with its notification lost', async () => {
    await h.setFaults([{ wallet: '*', method: 'notify', dropAfterCommit: 1 }]);
    try {
      // WeChat's time_expire has whole seconds: 3 s leaves the buyer at least 2.
      const { body } = await createQr({ wallet: 'wechat', expires_in: 3 });
      await new Promise((r) => setTimeout(r, 1800));
      expect((await payInApp(body.qr_code, 'wechat')).body.outcome).toBe('paid');
      expect(await settled(body.id, 8000)).toMatchObject({ status: 'succeeded' });
    } finally {
      await h.setFaults([]);
    }
  });

  it('refuses a forged wallet notification and changes nothing', async () => {
    const { body } = await createQr({ wallet: 'alipay', expires_in: 300 });
    const taskBefore = await h.db.selectFrom('tasks').selectAll().where('object_id', '=', body.id).executeTakeFirstOrThrow();
    const forged = new URLSearchParams({
      app_id: 'whatever',
      out_trade_no: body.id,
      trade_status: 'TRADE_SUCCESS',
      total_amount: '25.90',
      sign_type: 'RSA2',
      sign: Buffer.from('not a signature').toString('base64'),
    });
    const response = await fetch(`${h.url}/wallet-notify/alipay`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: forged.toString() });
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('fail');
    const after = await h.api('GET', `/v1/payments/${body.id}`);
    expect(after.body.status).toBe('processing');
    const taskAfter = await h.db.selectFrom('tasks').selectAll().where('object_id', '=', body.id).executeTakeFirstOrThrow();
    expect(taskAfter.next_run_at).toBe(taskBefore.next_run_at);
  });

  it('cancels a QR payment before it is paid, at the wallet too', async () => {
    const { body } = await createQr({ wallet: 'wechat', expires_in: 300 });
    const cancelled = await h.api('POST', `/v1/payments/${body.id}/cancel`, { wait_seconds: 5 });
    expect(cancelled.body).toMatchObject({ status: 'closed', failure_code: 'payment_cancelled' });
    expect((await payInApp(body.qr_code, 'wechat')).body.outcome).toBe('not_payable');
  });
});

describe('QR payments when every wallet notification is lost', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { queryIntervalMs: 300 });
    await h.setFaults([{ wallet: '*', method: 'notify', dropAfterCommit: 1 }]);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('finds the payment by polling', async () => {
    const consumers = (await (await fetch(`${h.simUrl}/admin/consumers`)).json()) as Array<{ id: string }>;
    const { body } = await h.api('POST', '/v1/payments', { amount: 880, currency: 'CNY', merchant_order_id: 'poll-1', qr: { wallet: 'alipay' } });
    const paid = await fetch(`${h.simUrl}/app/api/consumers/${consumers[0]!.id}/pay-qr`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: body.qr_code, wallet: 'alipay', password: '123456' }),
    });
    expect(paid.status).toBe(200);
    const settled = await waitUntil(() => h.api('GET', `/v1/payments/${body.id}`).then((r) => r.body), (p) => p.status !== 'processing', 8000);
    expect(settled.status).toBe('succeeded');
  });
});
