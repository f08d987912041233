import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { startReceiver } from './support/receiver.ts';
import { waitUntil } from './support/wait.ts';

/** A browser-like client of the dashboard's API: keeps the session cookie, sends what the dashboard's pages send. */
class DashboardClient {
  cookie = '';
  constructor(private readonly base: string) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        origin: this.base,
        'x-counterpay-dashboard': '1',
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // CSV and other text stays text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }
}

describe('merchant dashboard API', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dash: DashboardClient;

  beforeAll(async () => {
    h = await startHarness('sqlite');
    receiver = await startReceiver();
    dash = new DashboardClient(h.url);
  });
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
  });

  it('signs in with the secret key into an HTTP-only, SameSite=Strict cookie that holds no key', async () => {
    const wrong = await dash.call('POST', '/dashboard/session', { key: 'sk_test_not-a-real-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toMatch(/not valid/);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const signedOut = await dash.call('GET', '/dashboard/api/payments');
    expect(signedOut.status).toBe(401);
    expect(signedOut.body.error.message).toMatch(/Sign in/);

    const ok = await dash.call('POST', '/dashboard/session', { key: h.merchant.secret_key });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ merchant: { id: h.merchant.merchant_id, name: 'Test Shop' }, livemode: false, live_allowed: false });
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/dashboard/);
    expect(cookie).not.toMatch(/Secure/); // plain HTTP on loopback; Secure when served over TLS
    expect(cookie).not.toContain(h.merchant.secret_key);
    const sessions = await h.db.selectFrom('dashboard_sessions' as any).selectAll().execute();
    const value = decodeURIComponent(dash.cookie.split('=')[1]!);
    expect(JSON.stringify(sessions)).not.toContain(value); // only the hash is stored
    expect((await dash.call('GET', '/dashboard/api/session')).body.merchant.id).toBe(h.merchant.merchant_id);
  });

  it('refuses a test sign-in the live mode, in plain words', async () => {
    const live = await dash.call('POST', '/dashboard/api/mode', { livemode: true });
    expect(live.status).toBe(403);
    expect(live.body.error.message).toMatch(/live secret key/);
  });

  it('refuses forged cross-site requests even with the session cookie', async () => {
    const { body: payment } = await h.api('POST', '/v1/payments', { amount: 500, currency: 'CNY', merchant_order_id: 'csrf-1', barcode: '280000000000000001' });
    expect(payment.status).toBe('succeeded');
    const forgedOrigin = await dash.call('POST', `/dashboard/api/payments/${payment.id}/refunds`, { amount: '1.00' }, { origin: 'http://evil.example' });
    expect(forgedOrigin.status).toBe(403);
    expect(forgedOrigin.body.error.code).toBe('cross_site_request');
    const sameSiteOtherPort = await dash.call('POST', `/dashboard/api/payments/${payment.id}/refunds`, { amount: '1.00' }, { origin: h.simUrl });
    expect(sameSiteOtherPort.status).toBe(403);
    const fetchSite = await dash.call('POST', `/dashboard/api/payments/${payment.id}/refunds`, { amount: '1.00' }, { 'sec-fetch-site': 'cross-site' });
    expect(fetchSite.status).toBe(403);
    // A form post: no custom header, form encoding.
    const form = await fetch(`${h.url}/dashboard/api/payments/${payment.id}/refunds`, {
      method: 'POST',
      headers: { cookie: dash.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'amount=1.00',
    });
    expect(form.status).toBe(403);
    const refunds = await h.api('GET', `/v1/payments/${payment.id}/refunds`);
    expect(refunds.body.data).toEqual([]);
  });

  it('shows a native payment with its timeline: wallet call, status change and notification delivery', async () => {
    const { body: payment } = await h.api('POST', '/v1/payments', {
      amount: 1234,
      currency: 'CNY',
      merchant_order_id: 'dash-timeline-1',
      barcode: '130000000000000001',
      notify_url: receiver.url,
    });
    expect(payment.status).toBe('succeeded');
    await waitUntil(async () => receiver.received.length, (n) => n > 0, 10_000);

    const list = await dash.call('GET', '/dashboard/api/payments?q=dash-timeline');
    expect(list.body.data.map((p: any) => p.id)).toEqual([payment.id]);
    expect(list.body.data[0]).toMatchObject({ amount_decimal: '12.34', wallet: 'wechat', barcode: '1300**********0001' });
    expect((await dash.call('GET', '/dashboard/api/payments?q=0001')).body.data.map((p: any) => p.id)).toContain(payment.id);
    expect((await dash.call('GET', '/dashboard/api/payments?q=130000000000000001')).body.data.map((p: any) => p.id)).toContain(payment.id);

    const detail = await waitUntil(
      () => dash.call('GET', `/dashboard/api/payments/${payment.id}`),
      (r) => r.body.timeline?.some((e: any) => e.kind === 'notification' && e.outcome === 'ok'),
      10_000,
    );
    const kinds = detail.body.timeline.map((e: any) => e.kind);
    expect(kinds[0]).toBe('created');
    const call = detail.body.timeline.find((e: any) => e.kind === 'wallet_call');
    expect(call.title).toMatch(/wechat .*micropay: succeeded/);
    expect(call.latency_ms).toBeGreaterThanOrEqual(0);
    expect(detail.body.timeline.find((e: any) => e.kind === 'status_change').title).toBe('Status: succeeded');
    const delivered = detail.body.timeline.find((e: any) => e.kind === 'notification');
    expect(delivered.title).toContain(receiver.url);
    expect(delivered.title).toContain('HTTP 200');

    // Redeliver: the receiver gets the event again.
    const before = receiver.received.length;
    const redeliver = await dash.call('POST', `/dashboard/api/events/${delivered.event_id}/redeliver`, {});
    expect(redeliver.status).toBe(200);
    await waitUntil(async () => receiver.received.length, (n) => n > before, 10_000);
    expect(receiver.received.at(-1)!.eventId).toBe(delivered.event_id);
  });

  it('refunds part of a payment from an exact decimal amount, then shows it in the timeline', async () => {
    const { body: payment } = await h.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', merchant_order_id: 'dash-refund-1', barcode: '280000000000000001' });
    const tooMuch = await dash.call('POST', `/dashboard/api/payments/${payment.id}/refunds`, { amount: '10.01' });
    expect(tooMuch.status).toBe(400);
    const fractional = await dash.call('POST', `/dashboard/api/payments/${payment.id}/refunds`, { amount: '0.001' });
    expect(fractional.status).toBe(400);
    const refund = await dash.call('POST', `/dashboard/api/payments/${payment.id}/refunds`, { amount: '2.50', reason: 'one cup returned' });
    expect(refund.status).toBe(200);
    expect(refund.body).toMatchObject({ amount: 250, status: 'succeeded', amount_decimal: '2.50' });
    const native = await h.api('GET', `/v1/payments/${payment.id}`);
    expect(native.body.amount_refunded).toBe(250);
    const detail = await dash.call('GET', `/dashboard/api/payments/${payment.id}`);
    expect(detail.body.refunds).toHaveLength(1);
    expect(detail.body.timeline.some((e: any) => e.kind === 'wallet_call' && /refund/.test(e.title))).toBe(true);
  });

  it('filters and exports exactly the filtered payments as CSV with exact decimal amounts', async () => {
    const failed = await h.api('POST', '/v1/payments', { amount: 777, currency: 'CNY', merchant_order_id: 'dash-csv-failed', barcode: '130000000000000003' });
    expect(failed.body.status).toBe('failed');
    const list = await dash.call('GET', '/dashboard/api/payments?status=failed');
    expect(list.body.data.length).toBeGreaterThan(0);
    expect(list.body.data.every((p: any) => p.status === 'failed')).toBe(true);
    const csv = await dash.call('GET', '/dashboard/api/payments.csv?status=failed');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="payments-test-/);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,created_at,paid_at,status,wallet/);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[0]).sort()).toEqual(list.body.data.map((p: any) => p.id).sort());
    expect(rows.every((r) => r[3] === 'failed')).toBe(true);
    expect(rows.find((r) => r[0] === failed.body.id)![6]).toBe('7.77');

    const wallet = await dash.call('GET', '/dashboard/api/payments?wallet=alipay&limit=1');
    expect(wallet.body.data).toHaveLength(1);
    expect(wallet.body.has_more).toBe(true);
    const next = await dash.call('GET', `/dashboard/api/payments?wallet=alipay&limit=1&starting_after=${wallet.body.data[0].id}`);
    expect(next.body.data[0].id < wallet.body.data[0].id).toBe(true);
    expect(next.body.data[0].wallet).toBe('alipay');

    // Dates are China days: today holds the payment just made, tomorrow nothing, yesterday-to-today nothing either.
    const chinaDay = (offsetDays: number) => new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
    const today = await dash.call('GET', `/dashboard/api/payments?status=failed&from=${chinaDay(0)}&to=${chinaDay(0)}`);
    expect(today.body.data.map((p: any) => p.id)).toContain(failed.body.id);
    const tomorrow = await dash.call('GET', `/dashboard/api/payments?from=${chinaDay(1)}`);
    expect(tomorrow.body.data).toEqual([]);
    const before = await dash.call('GET', `/dashboard/api/payments?to=${chinaDay(-1)}`);
    expect(before.body.data).toEqual([]);

    const bad = await dash.call('GET', '/dashboard/api/payments.csv?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('from must be a date as YYYY-MM-DD.');
  });

  it('totals today per wallet and per store, in China time', async () => {
    const totals = await dash.call('GET', '/dashboard/api/totals');
    expect(totals.body.time_zone).toBe('Asia/Shanghai');
    const wechat = totals.body.today.by_wallet.find((l: any) => l.key === 'wechat');
    expect(wechat).toMatchObject({ currency: 'CNY' });
    expect(wechat.amount).toBeGreaterThanOrEqual(1234);
    expect(totals.body.last_30_days.daily.filter((d: any) => d.currency === 'CNY')).toHaveLength(30);
  });

  it('issues a terminal key that takes payments only at its terminal and manages nothing', async () => {
    const places = await dash.call('GET', '/dashboard/api/places');
    const store = places.body.stores[0];
    const second = await dash.call('POST', '/dashboard/api/terminals', { store_id: store.id, name: 'Counter 2' });
    expect(second.status).toBe(200);
    const key = await dash.call('POST', '/dashboard/api/api_keys', { kind: 'terminal', terminal_id: second.body.id, label: 'Counter 2 register' });
    expect(key.status).toBe(200);
    expect(key.body.key).toMatch(/^tk_test_/);
    const tk = key.body.key as string;
    const asTerminal = (method: string, path: string, body?: unknown) => h.api(method, path, body, { authorization: `Bearer ${tk}` });

    const mine = await asTerminal('POST', '/v1/payments', { amount: 300, currency: 'CNY', merchant_order_id: 'tk-1', barcode: '280000000000000001' });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ status: 'succeeded', terminal_id: second.body.id, store_id: store.id });
    const other = await h.api('POST', '/v1/payments', { amount: 400, currency: 'CNY', merchant_order_id: 'tk-other', barcode: '280000000000000001', terminal_id: h.merchant.terminal_id });
    expect((await asTerminal('GET', `/v1/payments/${other.body.id}`)).status).toBe(404);
    expect((await asTerminal('POST', `/v1/payments/${other.body.id}/refunds`, { amount: 100 })).status).toBe(404);
    expect((await asTerminal('GET', '/v1/payments?limit=100')).body.data.map((p: any) => p.id)).toEqual([mine.body.id]);
    const spoof = await asTerminal('POST', '/v1/payments', { amount: 300, currency: 'CNY', merchant_order_id: 'tk-2', barcode: '280000000000000001', terminal_id: h.merchant.terminal_id });
    expect(spoof.status).toBe(403);
    expect(spoof.body.error.code).toBe('permission_denied');
    expect((await asTerminal('GET', '/v1/webhook_endpoints')).status).toBe(403);
    expect((await asTerminal('POST', '/v1/wallet_accounts', { wallet: 'alipay', app_id: 'x' })).status).toBe(403);
    expect((await asTerminal('GET', '/v1/events')).status).toBe(403);
    const refund = await asTerminal('POST', `/v1/payments/${mine.body.id}/refunds`, { amount: 100 });
    expect(refund.body).toMatchObject({ status: 'succeeded', amount: 100 });
    expect((await asTerminal('GET', `/v1/refunds/${refund.body.id}`)).status).toBe(200);

    // It opens no dashboard session, and once revoked it stops at once.
    expect((await new DashboardClient(h.url).call('POST', '/dashboard/session', { key: tk })).status).toBe(401);
    expect((await dash.call('POST', `/dashboard/api/api_keys/${key.body.id}/revoke`, {})).status).toBe(200);
    expect((await asTerminal('GET', `/v1/payments/${mine.body.id}`)).status).toBe(401);
  });

  it('keeps the last secret key and signs out', async () => {
    const keys = await dash.call('GET', '/dashboard/api/api_keys');
    const secret = keys.body.data.find((k: any) => k.kind === 'secret' && !k.revoked_at);
    const refused = await dash.call('POST', `/dashboard/api/api_keys/${secret.id}/revoke`, {});
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/last secret key/);
    expect((await dash.call('DELETE', '/dashboard/session')).status).toBe(200);
    expect((await dash.call('GET', '/dashboard/api/session')).status).toBe(401);
  });
});
