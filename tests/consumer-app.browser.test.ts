import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { waitUntil } from './support/wait.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = new URL('../test-artifacts/', import.meta.url);
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true') throw new Error(`Chromium is required in CI at ${CHROMIUM} (.ci/run installs Debian's chromium).`);
  console.warn(`\n!!! ${CHROMIUM} not found: the browser test is SKIPPED (apt-get install chromium to run it) !!!\n`);
}

/** A person in the consumer wallet app scans and pays a QR payment the register created by API. */
describe.runIf(available)('consumer wallet app in a browser', () => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startHarness('sqlite');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('scans the one-for-all code with Alipay, confirms with the password, and the payment succeeds', async () => {
    const { body: payment } = await h.api('POST', '/v1/payments', { amount: 4200, currency: 'CNY', merchant_order_id: 'browser-1', qr: {}, description: 'Noodles' });
    const page = await browser.newPage();
    await page.goto(`${h.simUrl}/app`);
    await page.getByText('Li Wei').click();
    await page.getByTestId('scan-content').fill(payment.qr_url);
    await page.getByTestId('scan-alipay').click();
    await expect(page.getByTestId('order-amount').textContent()).resolves.toContain('42.00 CNY');
    await page.getByTestId('password').fill('123456');
    await page.getByTestId('confirm').click();
    await expect(page.getByTestId('paid').textContent()).resolves.toContain('42.00 CNY');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('consumer-app-paid.png', ARTIFACTS).pathname, fullPage: true });

    const settled = await waitUntil(() => h.api('GET', `/v1/payments/${payment.id}`).then((r) => r.body), (p) => p.status !== 'processing', 8000);
    expect(settled).toMatchObject({ status: 'succeeded', wallet: 'alipay', amount: 4200 });
    await page.goto(`${h.simUrl}/app`);
    await page.getByText('Li Wei').click();
    await expect(page.getByTestId('history').textContent()).resolves.toContain('Noodles');
  });

  it('shows a one-time payment code as a barcode that the gateway can charge', async () => {
    const page = await browser.newPage();
    await page.goto(`${h.simUrl}/app`);
    await page.getByText('Chan Tai Man').click();
    await page.getByText('WeChat Pay code').click();
    const code = (await page.getByTestId('payment-code').textContent())!.trim();
    expect(code).toMatch(/^13\d{16}$/);
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(2); // barcode and QR
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('consumer-app-code.png', ARTIFACTS).pathname, fullPage: true });
    const { body } = await h.api('POST', '/v1/payments', { amount: 1200, currency: 'HKD', merchant_order_id: 'browser-2', barcode: code });
    expect(body).toMatchObject({ status: 'succeeded', wallet: 'wechat' });
  });
});
