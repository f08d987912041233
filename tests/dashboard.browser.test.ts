import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { startReceiver } from './support/receiver.ts';
import { waitUntil } from './support/wait.ts';
import { ensureScreensBuilt } from './support/web-build.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = new URL('../test-results/screenshots/', import.meta.url);
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true') throw new Error(`Chromium is required in CI at ${CHROMIUM} (.ci/run installs Debian's chromium).`);
  console.warn(`\n!!! ${CHROMIUM} not found: the dashboard browser test is SKIPPED (apt-get install chromium to run it) !!!\n`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`dashboard-${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

/** The merchant dashboard in a real browser against the real gateway and simulator on loopback ports. */
describe.runIf(available)('merchant dashboard in a browser', () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let sale: { id: string; merchant_order_id: string };

  beforeAll(async () => {
    ensureScreensBuilt();
    h = await startHarness('sqlite');
    receiver = await startReceiver();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await h?.close();
  });

  it('refuses a wrong key in plain words, then signs in by keyboard into an HTTP-only SameSite cookie', async () => {
    await page.goto(`${h.url}/dashboard`);
    const key = page.getByLabel('Secret key');
    await key.fill('sk_test_wrong');
    await key.press('Enter');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/That secret key is not valid/);
    await screenshot(page, 'sign-in');

    await key.fill(h.merchant.secret_key);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Payments' }).waitFor();
    const cookies = await context.cookies(`${h.url}/dashboard`);
    const session = cookies.find((c) => c.name === 'counterpay_dashboard')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
    expect(session.value).not.toContain(h.merchant.secret_key);
    // The page cannot read it.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('counterpay_dashboard');
  });

  it('shows a payment made through the native API with its timeline: wallet call, status change, notification delivery', async () => {
    const created = await h.api('POST', '/v1/payments', { amount: 1050, currency: 'CNY', merchant_order_id: 'browser-sale-1', barcode: '280000000000000001', notify_url: receiver.url, description: 'Two coffees', store_id: h.merchant.store_id, terminal_id: h.merchant.terminal_id });
    expect(created.body.status).toBe('succeeded');
    sale = created.body;
    await waitUntil(async () => receiver.received.length, (n) => n > 0, 10_000);

    await page.reload();
    await page.getByRole('link', { name: 'browser-sale-1' }).waitFor();
    await screenshot(page, 'payments');
    await page.getByRole('link', { name: 'browser-sale-1' }).click();
    await page.getByRole('heading', { name: /Payment browser-sale-1/ }).waitFor();
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await expect(timeline.getByText(/alipay alipay\.trade\.pay: succeeded/).count()).resolves.toBeGreaterThan(0);
    await expect(timeline.getByText('Status: succeeded').count()).resolves.toBe(1);
    await expect(timeline.getByText(`Notification payment.succeeded to ${receiver.url}: HTTP 200`).count()).resolves.toBeGreaterThan(0);
  });

  it('refunds part of the payment after a confirmation', async () => {
    await page.getByLabel('Refund amount (CNY)').fill('2.50');
    await page.getByLabel('Reason').fill('one coffee returned');
    await page.getByRole('button', { name: 'Refund…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Refund this payment?' });
    await expect(dialog.textContent()).resolves.toContain('CNY 2.50');
    await screenshot(page, 'refund-confirm');
    await dialog.getByRole('button', { name: 'Confirm refund' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/Refund of CNY 2\.50: succeeded/);
    const after = await h.api('GET', `/v1/payments/${sale.id}`);
    expect(after.body.amount_refunded).toBe(250);
    await page.getByRole('table', { name: 'Refunds' }).getByText('one coffee returned').waitFor();
    await screenshot(page, 'payment');

    // The cash register of that terminal shows the refund in its recent payments (tests/pos.browser.test.ts signs in the same way).
    const register = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const pos = await register.newPage();
    await pos.goto(`${h.url}/pos`);
    await pos.getByLabel('API key').fill(h.merchant.secret_key);
    await pos.getByLabel('Store ID').fill(h.merchant.store_id);
    await pos.getByLabel('Terminal ID').fill(h.merchant.terminal_id);
    await pos.getByLabel('Operator ID').fill('cashier-1');
    await pos.getByRole('button', { name: 'Sign in' }).click();
    await pos.getByRole('link', { name: 'Recent payments' }).click();
    const row = pos.getByRole('row').filter({ hasText: 'browser-sale-1' });
    await expect(row.getByRole('cell', { name: 'CNY 2.50' }).textContent()).resolves.toBe('CNY 2.50');
    await screenshot(pos, 'register-history-after-dashboard-refund');
    await register.close();
  });

  it('filters by status and exports exactly the filtered payments as CSV', async () => {
    const failed = await h.api('POST', '/v1/payments', { amount: 333, currency: 'CNY', merchant_order_id: 'browser-declined-1', barcode: '130000000000000003' });
    expect(failed.body.status).toBe('failed');
    await page.getByRole('link', { name: 'Payments' }).click();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('link', { name: 'browser-declined-1' }).waitFor();
    const table = page.getByRole('table');
    await expect(table.getByRole('link', { name: 'browser-sale-1' }).count()).resolves.toBe(0);
    const shownOrders = await table.locator('tbody tr td:nth-child(2)').allTextContents();
    await screenshot(page, 'payments-filtered');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const file = readFileSync((await download.path())!, 'utf8');
    const lines = file.trim().split('\r\n');
    const header = lines[0]!.split(',');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[header.indexOf('merchant_order_id')]).sort()).toEqual([...shownOrders].sort());
    expect(rows.every((r) => r[header.indexOf('status')] === 'failed')).toBe(true);
    expect(rows.find((r) => r[header.indexOf('merchant_order_id')] === 'browser-declined-1')![header.indexOf('amount')]).toBe('3.33');
  });

  it('refuses a forged cross-site form post that carries the session cookie', async () => {
    // The simulator's pages are another port of the same host: the same *site*, so the Strict cookie goes along.
    const attacker = await context.newPage();
    await attacker.goto(`${h.simUrl}/app`);
    // Written as page script text: the tests' type-check has no DOM.
    const target = `${h.url}/dashboard/api/payments/${sale.id}/refunds`;
    await attacker.evaluate(`(() => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = ${JSON.stringify(target)};
      form.enctype = 'text/plain';
      const input = document.createElement('input');
      input.name = '{"amount":"1.00","x":"';
      input.value = '"}';
      form.appendChild(input);
      document.body.appendChild(form);
      form.submit();
    })()`);
    await attacker.waitForURL(/\/dashboard\/api\//);
    await expect(attacker.textContent('body')).resolves.toContain('cross_site_request');
    await attacker.close();
    const refunds = await h.api('GET', `/v1/payments/${sale.id}/refunds`);
    expect(refunds.body.data).toHaveLength(1);
  });

  it('shows totals as charts, issues a terminal key in settings, and switches mode only with a live sign-in', async () => {
    await page.getByRole('link', { name: 'Totals' }).click();
    await page.getByRole('img', { name: 'Today per wallet' }).waitFor();
    await expect(page.getByRole('img', { name: 'Today per wallet' }).textContent()).resolves.toContain('CNY 10.50');
    await screenshot(page, 'totals');

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-key').textContent())!;
    expect(key).toMatch(/^tk_test_/);
    const asTerminal = await h.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', merchant_order_id: 'browser-tk-1', barcode: '280000000000000001' }, { authorization: `Bearer ${key}` });
    expect(asTerminal.body).toMatchObject({ status: 'succeeded', terminal_id: h.merchant.terminal_id });
    expect((await h.api('GET', '/v1/webhook_endpoints', undefined, { authorization: `Bearer ${key}` })).status).toBe(403);
    await screenshot(page, 'settings');

    const live = page.getByRole('switch', { name: 'Live mode' });
    await live.click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Sign in with your live secret key/);
    await expect(live.isChecked()).resolves.toBe(false);
    // Today's statements so far (the simulator serves the current day): the screen lists each wallet's report.
    const chinaToday = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
    expect((await h.api('POST', '/v1/reconciliation_reports', { date: chinaToday, wallet: 'alipay' })).status).toBe(200);
    await page.getByRole('link', { name: 'Reconciliation' }).click();
    await page.getByRole('heading', { name: 'Reconciliation' }).waitFor();
    await page.getByRole('heading', { name: `${chinaToday} · Alipay` }).waitFor();
    await expect(page.getByRole('link', { name: 'Settlement CSV' }).getAttribute('href')).resolves.toMatch(/^\/dashboard\/api\/reconciliation_reports\/recon_\w+\/settlement\.csv$/);
    await screenshot(page, 'reconciliation');
  });
});
