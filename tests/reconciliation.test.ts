import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AlipayConnector } from '@counterpay/connectors';
import { newId } from '@counterpay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { waitUntil } from './support/wait.ts';

/**
 * Daily reconciliation end to end: the real gateway and simulator, the simulator's statements of the
 * current China day (it serves the day so far). Fees are the simulator's default 0.6%, half up, worked
 * out by hand. Each scenario has a merchant of its own, so its day holds only its own trades.
 */
const BIN = fileURLToPath(new URL('../packages/cli/bin/counterpay.js', import.meta.url));
const chinaDay = (ms: number) => new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 10);

let h: Harness;
let n = 0;
const today = () => chinaDay(Date.now());

async function as<T = any>(key: string, method: string, path: string, body?: unknown, base = h.url): Promise<{ status: number; body: T; text: string; type: string | null }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // CSV
  }
  return { status: response.status, body: parsed as T, text, type: response.headers.get('content-type') };
}

const pay = async (key: string, barcode: string, amount: number, extra: Record<string, unknown> = {}, base = h.url) => {
  const { status, body } = await as(key, 'POST', '/v1/payments', { amount, currency: 'CNY', merchant_order_id: `rec-${Date.now()}-${n++}`, barcode, ...extra }, base);
  expect(status).toBe(200);
  return body as { id: string; status: string };
};
const refund = async (key: string, paymentId: string, amount: number) => {
  const { status, body } = await as(key, 'POST', `/v1/payments/${paymentId}/refunds`, { amount });
  expect(status).toBe(200);
  expect(body.status).toBe('succeeded');
  return body as { id: string };
};

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000, env: { ...process.env, COUNTERPAY_URL: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  // Slow resolver checks (a processing payment stays processing until something asks), a 1 s retry of
  // unpublished statements, and no scheduled runs of yesterday's statements behind the tests' backs.
  h = await startHarness('sqlite', { walletTimeoutMs: 10_000, queryIntervalMs: 20_000, buyerConfirmDeadlineMs: 30_000, simConfirmDelayMs: 400, extraEnv: { RECONCILE_RETRY_S: '1', RECONCILE_AFTER_HOUR: '24' } });
});
afterAll(async () => {
  await h?.close();
});

describe('daily reconciliation', () => {
  it('reconciles a day of mixed payments and refunds on both wallets with zero differences, fees booked, the report stored and announced', async () => {
    const shop = await h.createMerchant('Clean Shop');
    const key = shop.secret_key;
    const a1 = await pay(key, '280000000000000001', 1234, { store_id: shop.store_id });
    const a2 = await pay(key, '280000000000000001', 2000, { store_id: shop.store_id });
    await refund(key, a2.id, 500);
    const w1 = await pay(key, '130000000000000001', 1000);
    const w2 = await pay(key, '130000000000000001', 3000);
    await refund(key, w2.id, 3000);
    const date = today();

    const run = await as(key, 'POST', '/v1/reconciliation_reports', { date });
    expect(run.status).toBe(200);
    const byWallet = Object.fromEntries((run.body.data as any[]).map((r) => [r.wallet, r]));
    expect(Object.keys(byWallet).sort()).toEqual(['alipay', 'wechat']);
    // Alipay: fees 7 (1234 × 0.6% = 7.404) + 12, and 3 of the 12 returned with the quarter refunded.
    expect(byWallet.alipay).toMatchObject({ object: 'reconciliation_report', date, merchant: shop.merchant_id, mode: 'test', matched: 3, differences: [], unrepaired: 0, currency: 'CNY', gross: 3234, refunds: 500, fees: 16, net: 2718 });
    // WeChat Pay: 6 + 18, the full refund returning all 18.
    expect(byWallet.wechat).toMatchObject({ matched: 3, differences: [], currency: 'CNY', gross: 4000, refunds: 3000, fees: 6, net: 994 });
    expect(byWallet.alipay.by_store).toEqual([{ store: shop.store_id, currency: 'CNY', count: 2, gross: 3234, refunds: 500, fees: 16, net: 2718 }]);

    const fees = await h.db.selectFrom('payments').select(['id', 'wallet_fee']).where('id', 'in', [a1.id, a2.id, w1.id, w2.id]).execute();
    expect(Object.fromEntries(fees.map((f) => [f.id, f.wallet_fee]))).toEqual({ [a1.id]: 7, [a2.id]: 12, [w1.id]: 6, [w2.id]: 18 });

    // Stored: listed newest first, filtered, fetched by id, and its settlement as exact decimals.
    const list = await as(key, 'GET', `/v1/reconciliation_reports?date=${date}&wallet=alipay`);
    expect(list.body.data.map((r: any) => r.id)).toEqual([byWallet.alipay.id]);
    const one = await as(key, 'GET', `/v1/reconciliation_reports/${byWallet.wechat.id}`);
    expect(one.body).toEqual(byWallet.wechat);
    const csv = await as(key, 'GET', `/v1/reconciliation_reports/${byWallet.alipay.id}/settlement.csv`);
    expect(csv.type).toMatch(/^text\/csv/);
    expect(csv.text).toBe(`date,wallet,store,currency,count,gross,refunds,fees,net\r\n${date},alipay,${shop.store_id},CNY,2,32.34,5.00,0.16,27.18\r\n`);
    const other = await h.createMerchant('Someone Else');
    expect((await as(other.secret_key, 'GET', `/v1/reconciliation_reports/${byWallet.alipay.id}`)).status).toBe(404);

    const events = await h.db.selectFrom('events').select(['type', 'object_id']).where('merchant_id', '=', shop.merchant_id).where('type', '=', 'reconciliation.completed').execute();
    expect(events.map((e) => e.object_id).sort()).toEqual([byWallet.alipay.id, byWallet.wechat.id].sort());

    // The dashboard lists the same reports for a signed-in session, and refuses without one.
    const headers = { origin: h.url, 'x-counterpay-dashboard': '1', 'content-type': 'application/json' };
    const signIn = await fetch(`${h.url}/dashboard/session`, { method: 'POST', headers, body: JSON.stringify({ key }) });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const dashboard = (await (await fetch(`${h.url}/dashboard/api/reconciliation_reports`, { headers: { ...headers, cookie } })).json()) as { data: any[] };
    expect(dashboard.data.map((r) => r.id).sort()).toEqual([byWallet.alipay.id, byWallet.wechat.id].sort());
    const dashCsv = await fetch(`${h.url}/dashboard/api/reconciliation_reports/${byWallet.alipay.id}/settlement.csv`, { headers: { ...headers, cookie } });
    expect(await dashCsv.text()).toBe(csv.text);
    expect((await fetch(`${h.url}/dashboard/api/reconciliation_reports`, { headers })).status).toBe(401);

    // The CLI, through the API: the contract's JSON, exit 0.
    const out = await cli(['reconcile', '--date', date, '--json', '--url', h.url, '--key', key]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ date, matched: 6, differences: [], gross: 7234, refunds: 3500, fees: 22, net: 3712 });
  });

  it('finds an overcharge, a trade the gateway never recorded and a refund missing at the wallet, and settles a processing payment the wallet shows paid', async () => {
    const shop = await h.createMerchant('Troubled Shop');
    const key = shop.secret_key;
    const over = await pay(key, '280000000000000008', 1000);
    expect(over.status).toBe('succeeded');
    // Paid with the password a moment later; the gateway looks again only in 20 s.
    const pending = await pay(key, '280000000000000002', 800, { wait_seconds: 0 });
    expect(pending.status).toBe('processing');
    // A signed request straight to the simulator with the merchant's own Alipay account.
    const credentials = await h.gateway.services.walletAccounts.credentials(shop.merchant_id, 'alipay', false);
    const stranger = `pay_stranger${Date.now()}`;
    const direct = await new AlipayConnector({ gatewayUrl: `${h.simUrl}/gateway.do`, timeoutMs: 5000 }).pay({ credentials, onCall: () => undefined }, { outTradeNo: stranger, authCode: '280000000000000001', amount: 777, currency: 'CNY', subject: 'not through counterpay' });
    expect(direct.kind).toBe('succeeded');
    // A refund counterpay holds as made that the wallet never saw (a fault written straight into the books).
    const wechatPaid = await pay(key, '130000000000000001', 1500);
    const ghost = newId('refund');
    const now = new Date().toISOString();
    await h.db
      .insertInto('refunds')
      .values({ id: ghost, payment_id: wechatPaid.id, merchant_id: shop.merchant_id, amount: 200, currency: 'CNY', status: 'succeeded', merchant_refund_id: null, reason: null, failure_code: null, failure_message: null, wallet_refund_id: null, dialect: 'native', dialect_data: '{}', notify_url: null, request_hash: 'x', livemode: 0, version: 1, created_at: now, updated_at: now, succeeded_at: now })
      .execute();
    await waitUntil(() => h.ledger(), (l) => l.charges.some((c) => c.outTradeNo === pending.id && c.status === 'paid'), 5000);
    await new Promise((r) => setTimeout(r, 600));

    const date = today();
    const run = await as(key, 'POST', '/v1/reconciliation_reports', { date });
    expect(run.status).toBe(200);
    const differences = (run.body.data as any[]).flatMap((r) => r.differences).map((d: any) => [d.kind, d.wallet, d.payment, d.refund, d.amount, d.repair]);
    expect(differences.sort()).toEqual(
      [
        ['amount_mismatch', 'alipay', over.id, null, 1001, 'none'],
        ['paid_at_wallet_only', 'alipay', null, null, 777, 'none'],
        ['status_mismatch', 'alipay', pending.id, null, 800, 'settled'],
        ['refund_mismatch', 'wechat', wechatPaid.id, ghost, 200, 'none'],
      ].sort(),
    );
    const alipay = (run.body.data as any[]).find((r) => r.wallet === 'alipay');
    expect(alipay.differences.find((d: any) => d.kind === 'paid_at_wallet_only').wallet_trade_no).toBeTruthy();
    // The settle went through the resolver: the payment is succeeded long before its next scheduled check.
    const settled = await waitUntil(() => as(key, 'GET', `/v1/payments/${pending.id}`), (r) => r.body.status !== 'processing', 5000);
    expect(settled.body.status).toBe('succeeded');

    // The CLI: the differences that need a person make it exit 1; the settled payment now matches.
    const out = await cli(['reconcile', '--date', date, '--json', '--url', h.url, '--key', key]);
    expect(out.code).toBe(1);
    const printed = JSON.parse(out.stdout);
    expect(printed.differences.map((d: any) => d.kind).sort()).toEqual(['amount_mismatch', 'paid_at_wallet_only', 'refund_mismatch']);
    expect(printed).toMatchObject({ date, matched: 2, unrepaired: 3 });
    const readable = await cli(['reconcile', '--date', date, '--url', h.url, '--key', key]);
    expect(readable.code).toBe(1);
    expect(readable.stdout).toContain('3 need a person');
  });

  it('retries a statement that is not published yet instead of reporting an empty day', async () => {
    const shop = await h.createMerchant('Quiet Shop');
    const key = shop.secret_key;
    await pay(key, '280000000000000001', 100);
    const date = today();
    // No WeChat Pay trade today: WeChat answers "No Bill Exist".
    const refused = await as(key, 'POST', '/v1/reconciliation_reports', { date, wallet: 'wechat' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'statement_not_published' });
    expect(refused.body.error.message).toMatch(/not published its statement/);

    const run = { merchantId: shop.merchant_id, livemode: false, wallet: 'wechat' as const, date };
    await h.gateway.services.reconciliation.enqueue(run);
    const waiting = await waitUntil(() => h.gateway.services.reconciliation.getRun(run), (r) => (r?.attempts ?? 0) >= 1 && r?.lease_owner === null, 5000);
    expect(waiting).toMatchObject({ state: 'pending', last_error: 'statement not published yet' });
    expect(Date.parse(waiting!.next_attempt_at)).toBeGreaterThan(Date.now() - 1000);
    expect((await as(key, 'GET', '/v1/reconciliation_reports?wallet=wechat')).body.data).toEqual([]);

    const sale = await pay(key, '130000000000000001', 2500);
    const done = await waitUntil(() => h.gateway.services.reconciliation.getRun(run), (r) => r?.state === 'done', 8000);
    expect(done!.attempts).toBeGreaterThanOrEqual(2);
    const reports = (await as(key, 'GET', '/v1/reconciliation_reports?wallet=wechat')).body.data;
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ id: done!.report_id, matched: 1, differences: [], gross: 2500, fees: 15, net: 2485 });
    expect((await h.db.selectFrom('payments').select('wallet_fee').where('id', '=', sale.id).executeTakeFirst())?.wallet_fee).toBe(15);
  });

  it('refuses a malformed day in plain words', async () => {
    const bad = await as(h.merchant.secret_key, 'POST', '/v1/reconciliation_reports', { date: '2026-02-30' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/2026-02-30 is not one/);
    const missing = await cli(['reconcile', '--url', h.url, '--key', h.merchant.secret_key]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--date YYYY-MM-DD is required/);
  });
});

describe('daily reconciliation of a late success', () => {
  // The contract's timings (shortened for tests): the buyer's deadline passes in 3 s.
  let late: Harness;
  beforeAll(async () => {
    late = await startHarness('sqlite', { extraEnv: { RECONCILE_AFTER_HOUR: '24', LATE_SUCCESS_CHECKS_MS: '500,1500,3000' } });
  });
  afterAll(async () => {
    await late?.close();
  });

  it('reports a late success (test code 7) as repaired by the refund, and the CLI exits 0 without anyone asking', async () => {
    const shop = await late.createMerchant('Late Shop');
    const key = shop.secret_key;
    const api = (method: string, path: string, body?: unknown) => as(key, method, path, body, late.url);
    // The buyer never confirms in time: the gateway cancels at the deadline, the wallet records the payment a moment later.
    const sale = await pay(key, '280000000000000007', 1800, { wait_seconds: 0 }, late.url);
    await waitUntil(() => api('GET', `/v1/payments/${sale.id}`), (r) => r.body.status === 'closed', 10_000);
    // The late-success guard refunds it.
    const refunds = await waitUntil(() => api('GET', `/v1/payments/${sale.id}/refunds`), (r) => (r.body.data ?? []).some((x: any) => x.status === 'succeeded'), 10_000);
    expect(refunds.body.data).toHaveLength(1);
    expect(refunds.body.data[0]).toMatchObject({ amount: 1800, status: 'succeeded' });

    const date = today();
    const run = await api('POST', '/v1/reconciliation_reports', { date, wallet: 'alipay' });
    expect(run.status).toBe(200);
    expect(run.body.data[0]).toMatchObject({ matched: 1, unrepaired: 0, gross: 1800, refunds: 1800 });
    expect(run.body.data[0].differences.map((d: any) => [d.kind, d.payment, d.amount, d.repair])).toEqual([['late_success', sale.id, 1800, 'refunded']]);
    // Still exactly one refund: the statement's sighting did not refund it again.
    expect((await api('GET', `/v1/payments/${sale.id}/refunds`)).body.data).toHaveLength(1);
    expect((await late.ledger()).refunds.filter((r) => r.outTradeNo === sale.id)).toHaveLength(1);

    const out = await cli(['reconcile', '--date', date, '--wallet', 'alipay', '--url', late.url, '--key', key]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/late_success .*repair refunded/);
    expect(out.stdout).toContain('all repaired');
  });
});
