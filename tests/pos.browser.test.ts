import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { waitUntil } from './support/wait.ts';
import { ensureScreensBuilt } from './support/web-build.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = new URL('../test-artifacts/screenshots/', import.meta.url);
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true') throw new Error(`Chromium is required in CI at ${CHROMIUM} (.ci/run installs Debian's chromium).`);
  console.warn(`\n!!! ${CHROMIUM} not found: the register's browser tests are SKIPPED (apt-get install chromium to run them) !!!\n`);
}
/** The id of the focused element (the suite's TypeScript has no DOM types: the expression runs in the page). */
function focusedId(page: Page): Promise<string | undefined> {
  return page.evaluate<string | undefined>('document.activeElement?.id');
}

/** How long a screen may take to show a change (the register polls every 2 s). */
const SEEN_MS = 10_000;

/**
 * The cash register at /pos in a real Chromium against the real gateway and wallet simulator: a cashier
 * signs in as a terminal, sells by barcode and QR code, watches a buyer type a password, refunds from the
 * history, and does it all by keyboard on a tablet-sized screen. Screenshots land in test-artifacts/screenshots/.
 */
describe.runIf(available)('cash register in a browser', () => {
  let h: Harness;
  let browser: Browser;
  /** CSP violations and page errors of every page, which must stay empty. */
  const problems: string[] = [];

  beforeAll(async () => {
    ensureScreensBuilt();
    h = await startHarness('sqlite');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  /** Each test's browser context, closed after it whether it passed or not. */
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    expect(problems).toEqual([]);
  });

  async function openRegister(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(SEEN_MS);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
    await page.goto(`${h.url}/pos`);
    return page;
  }

  async function signIn(page: Page): Promise<void> {
    await page.getByLabel('API key').fill(h.merchant.secret_key);
    await page.getByLabel('Store ID').fill(h.merchant.store_id);
    await page.getByLabel('Terminal ID').fill(h.merchant.terminal_id);
    await page.getByLabel('Operator ID').fill('cashier-7');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'New sale' }).waitFor();
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname });
  }

  async function terminalPayments(): Promise<Array<{ id: string; status: string; amount: number; amount_refunded: number; merchant_order_id: string; terminal_id: string; store_id: string; operator_id: string }>> {
    const { body } = await h.api('GET', `/v1/payments?limit=100&terminal_id=${encodeURIComponent(h.merchant.terminal_id)}`);
    return body.data;
  }

  it('signs in as a terminal, sells with a barcode (a double Enter charges once), prints a receipt, survives a reload', async () => {
    const page = await openRegister();
    await expect(page.getByRole('button', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await shot(page, 'pos-sign-in');
    await page.getByLabel('API key').fill('sk_test_not_a_key');
    await page.getByLabel('Store ID').fill('S');
    await page.getByLabel('Terminal ID').fill('T');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/not valid/);
    await signIn(page);
    await shot(page, 'pos-till');

    const before = (await terminalPayments()).length;
    await page.getByLabel('Amount (CNY)').fill('12.3');
    const code = page.getByLabel("Buyer's payment code");
    await code.fill('130000000000000001');
    // A wedge scanner's Enter, pressed twice in the same instant (before the page can redraw): one sale, one payment.
    await code.evaluate((el: { dispatchEvent(event: unknown): boolean }) => {
      const KeyboardEvent = (globalThis as unknown as { KeyboardEvent: new (type: string, init: object) => unknown }).KeyboardEvent;
      for (let i = 0; i < 2; i++) el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    });
    await page.getByRole('heading', { name: 'Paid' }).waitFor({ timeout: SEEN_MS });
    const receipt = page.getByRole('region', { name: 'Receipt' });
    await expect(receipt.textContent()).resolves.toContain('CNY 12.30');
    await expect(receipt.textContent()).resolves.toContain('WeChat Pay');
    await expect(page.getByRole('button', { name: 'Print receipt' }).isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('announcer').textContent()).resolves.toContain('Paid CNY 12.30 with WeChat Pay');
    await shot(page, 'pos-paid');
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: new URL('pos-receipt-print.png', SCREENSHOTS).pathname });
    // Printed, only the receipt shows.
    await expect(page.getByRole('button', { name: 'New sale' }).isVisible()).resolves.toBe(false);
    await page.emulateMedia({ media: 'screen' });

    const after = await terminalPayments();
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ status: 'succeeded', amount: 1230, store_id: h.merchant.store_id, terminal_id: h.merchant.terminal_id, operator_id: 'cashier-7' });

    await page.reload();
    await page.getByRole('heading', { name: 'New sale' }).waitFor();
    await expect(page.getByRole('button', { name: 'Sign out' }).isVisible()).resolves.toBe(true);

    // A declined code: the failure screen says why in plain words.
    await page.getByLabel('Amount (CNY)').fill('3');
    await page.getByLabel("Buyer's payment code").fill('130000000000000003');
    await page.getByLabel("Buyer's payment code").press('Enter');
    await page.getByRole('heading', { name: 'Payment failed' }).waitFor({ timeout: SEEN_MS });
    await expect(page.getByTestId('failure-reason').textContent()).resolves.toContain('does not have enough money');
    await shot(page, 'pos-failed');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('shows a password-wait sale waiting with a countdown, then paid', async () => {
    const page = await openRegister();
    await signIn(page);
    await page.getByLabel('Amount (CNY)').fill('88.00');
    await page.getByLabel("Buyer's payment code").fill('130000000000000002');
    await page.getByRole('button', { name: 'Charge CNY 88.00' }).click();
    await page.getByRole('heading', { name: "Waiting for the buyer's password" }).waitFor({ timeout: SEEN_MS });
    const timer = page.getByRole('timer');
    await expect(timer.textContent()).resolves.toMatch(/Time left \d+:\d\d/);
    await expect(page.getByRole('button', { name: 'Cancel payment' }).isEnabled()).resolves.toBe(true);
    await shot(page, 'pos-waiting-password');
    await page.getByRole('heading', { name: 'Paid' }).waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('announcer').textContent()).resolves.toContain('Paid CNY 88.00');
    const [latest] = await terminalPayments();
    expect(latest).toMatchObject({ status: 'succeeded', amount: 8800 });
  });

  it('shows a QR code with its expiry that a buyer pays in the consumer app', async () => {
    const page = await openRegister();
    await signIn(page);
    await page.getByLabel('Amount (CNY)').fill('42');
    await page.getByRole('radio', { name: 'Show QR code' }).check();
    await page.getByRole('button', { name: 'Show QR code for CNY 42.00' }).click();
    await page.getByRole('heading', { name: 'Scan to pay CNY 42.00' }).waitFor({ timeout: SEEN_MS });
    const image = page.getByRole('img', { name: 'QR code to pay CNY 42.00' });
    await image.waitFor();
    expect(await image.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0)).toBe(true);
    await expect(page.getByRole('timer').textContent()).resolves.toMatch(/Expires in [45]:\d\d/);
    const content = (await page.getByTestId('qr-content').textContent())!.trim();
    expect(content).toMatch(/^https?:\/\//);
    await shot(page, 'pos-qr');

    const app = await browser.newPage();
    await app.goto(`${h.simUrl}/app`);
    await app.getByText('Li Wei').click();
    await app.getByTestId('scan-content').fill(content);
    await app.getByTestId('scan-alipay').click();
    await expect(app.getByTestId('order-amount').textContent()).resolves.toContain('42.00 CNY');
    await app.getByTestId('password').fill('123456');
    await app.getByTestId('confirm').click();
    await app.getByTestId('paid').waitFor();
    await app.close();

    await page.getByRole('heading', { name: 'Paid' }).waitFor({ timeout: SEEN_MS });
    await expect(page.getByRole('region', { name: 'Receipt' }).textContent()).resolves.toContain('Alipay');
  });

  it('refunds part of a sale from the history, after a confirmation', async () => {
    const { body: sale } = await h.api('POST', '/v1/payments', { amount: 2000, currency: 'CNY', merchant_order_id: 'pos-refund-1', barcode: '280000000000000001', store_id: h.merchant.store_id, terminal_id: h.merchant.terminal_id });
    expect(sale.status).toBe('succeeded');
    const page = await openRegister();
    await signIn(page);
    await page.getByRole('link', { name: 'Recent payments' }).click();
    await expect(page.url()).toMatch(/\/pos\/history$/);
    const row = page.getByRole('row').filter({ hasText: 'pos-refund-1' });
    await row.getByRole('button', { name: /^Refund CNY 20\.00/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Refund the CNY 20.00 payment' });
    await expect(dialog.getByLabel('Refund amount (CNY)').inputValue()).resolves.toBe('20.00');
    await dialog.getByLabel('Refund amount (CNY)').fill('25');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toContain('CNY 20.00');
    await dialog.getByLabel('Refund amount (CNY)').fill('5.5');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect(dialog.textContent()).resolves.toContain('Refund CNY 5.50 of CNY 20.00');
    await shot(page, 'pos-refund-confirm');
    // Nothing is refunded before the confirmation.
    expect((await h.api('GET', `/v1/payments/${sale.id}`)).body.amount_refunded).toBe(0);
    await dialog.getByRole('button', { name: 'Confirm refund' }).click();
    await expect(row.getByRole('cell', { name: 'CNY 5.50' }).textContent({ timeout: SEEN_MS })).resolves.toBe('CNY 5.50');
    const settled = await waitUntil(() => h.api('GET', `/v1/payments/${sale.id}`).then((r) => r.body), (p) => p.amount_refunded === 550, 8000);
    expect(settled.amount_refunded).toBe(550);
    await shot(page, 'pos-history');
    // A reload of the sub-route shows the same history.
    await page.reload();
    await page.getByRole('heading', { name: /Recent payments at terminal/ }).waitFor();
  });

  it('works by keyboard alone: sign in, amount, scan, next sale', async () => {
    const page = await openRegister();
    const kb = page.keyboard;
    // The API key field has focus once the page has rendered; Tab walks the form in order.
    await expect.poll(() => focusedId(page), { timeout: SEEN_MS }).toBe('signin-key');
    await kb.type(h.merchant.secret_key);
    await kb.press('Tab');
    await kb.type(h.merchant.store_id);
    await kb.press('Tab');
    await kb.type(h.merchant.terminal_id);
    await kb.press('Tab');
    await kb.type('cashier-kb');
    await kb.press('Enter');
    await page.getByRole('heading', { name: 'New sale' }).waitFor();
    await expect.poll(() => focusedId(page), { timeout: SEEN_MS }).toBe('amount');
    // The amount field has focus: type the amount, Enter moves to the code field, the scanner types and presses Enter.
    await kb.type('7.05');
    await kb.press('Enter');
    await expect.poll(() => focusedId(page), { timeout: SEEN_MS }).toBe('barcode');
    await kb.type('280000000000000001');
    await kb.press('Enter');
    await page.getByRole('heading', { name: 'Paid' }).waitFor({ timeout: SEEN_MS });
    await expect(page.getByRole('region', { name: 'Receipt' }).textContent()).resolves.toContain('CNY 7.05');
    // Focus waits on "New sale": Enter starts the next sale with the amount field focused and empty.
    await expect.poll(() => page.evaluate<string | null>('document.activeElement?.textContent'), { timeout: SEEN_MS }).toBe('New sale');
    await kb.press('Enter');
    await page.getByRole('heading', { name: 'Ready' }).waitFor();
    // Focus moves in an effect after the screen renders: wait for it rather than read it at once.
    await expect.poll(() => focusedId(page), { timeout: SEEN_MS }).toBe('amount');
    await expect(page.getByLabel('Amount (CNY)').inputValue()).resolves.toBe('');
    // Switching to QR by keyboard: Tab to the method radios, arrow to "Show QR code".
    await kb.type('1');
    for (let i = 0; i < 10 && (await page.evaluate<string | undefined>('document.activeElement?.name')) !== 'mode'; i++) await kb.press('Tab');
    await kb.press('ArrowRight');
    await expect(page.getByRole('radio', { name: 'Show QR code' }).isChecked()).resolves.toBe(true);
    const [latest] = await terminalPayments();
    expect(latest).toMatchObject({ status: 'succeeded', amount: 705, operator_id: 'cashier-kb' });
  });

  it('fits a 1024×768 tablet: the key controls are inside the viewport, nothing scrolls sideways', async () => {
    const page = await openRegister();
    await signIn(page);
    const inView = async (name: string, locator: ReturnType<Page['getByRole']>) => {
      const box = await locator.boundingBox();
      expect(box, name).not.toBeNull();
      expect(box!.x, name).toBeGreaterThanOrEqual(0);
      expect(box!.y, name).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, name).toBeLessThanOrEqual(1024);
      expect(box!.y + box!.height, name).toBeLessThanOrEqual(768);
    };
    await inView('amount', page.getByLabel('Amount (CNY)'));
    await inView('keypad 0', page.getByRole('button', { name: '0', exact: true }));
    await inView('clear', page.getByRole('button', { name: 'Clear amount' }));
    await inView('code', page.getByLabel("Buyer's payment code"));
    await inView('charge', page.getByRole('button', { name: 'Charge' }));
    await inView('sign out', page.getByRole('button', { name: 'Sign out' }));
    // The on-screen keypad types into the amount.
    for (const key of ['1', '2', 'Decimal point', '5']) await page.getByRole('button', { name: key, exact: true }).click();
    await expect(page.getByLabel('Amount (CNY)').inputValue()).resolves.toBe('12.5');
    await page.getByLabel("Buyer's payment code").fill('130000000000000001');
    await page.getByRole('button', { name: 'Charge CNY 12.50' }).click();
    await page.getByRole('heading', { name: 'Paid' }).waitFor({ timeout: SEEN_MS });
    await inView('print', page.getByRole('button', { name: 'Print receipt' }));
    await inView('new sale', page.getByRole('button', { name: 'New sale' }));
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1024);
    await shot(page, 'pos-tablet');
  });

  it('serves its pages with a strict CSP, no-cache HTML and immutable assets; the API answers as before', async () => {
    const root = await fetch(`${h.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/pos');
    for (const path of ['/pos', '/pos/history', '/dashboard']) {
      const page = await fetch(`${h.url}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(page.headers.get('cache-control'), path).toBe('no-cache');
      const csp = page.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'self'", "script-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'", "object-src 'none'"]) expect(csp, path).toContain(directive);
      expect(csp).not.toContain('unsafe-inline');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await page.text();
      // No inline script: every <script> has a src.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
    const html = await (await fetch(`${h.url}/pos`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const response = await fetch(`${h.url}${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
    }
    expect((await fetch(`${h.url}/assets/nope-123.js`)).status).toBe(404);
    // The JSON API keeps its own headers: no page CSP, no frame options.
    const api = await fetch(`${h.url}/v1/payments?limit=1`, { headers: { authorization: `Bearer ${h.merchant.secret_key}` } });
    expect(api.status).toBe(200);
    expect(api.headers.get('content-security-policy')).toBeNull();
    expect(api.headers.get('x-frame-options')).toBeNull();
  });
});
