import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabaseKinds } from '@counterpay/db/test-databases';
import { AlipaySdk } from 'alipay-sdk';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenpayInChild } from '../packages/walletsim/src/testing/tenpay-in-child.ts';
import { CA_CERT_FILE, type MerchantRegistration, type RunningSimulator, startTlsSimulator } from './support/entry-points.ts';
import { type ProcessHarness, TEST_TIMINGS, startProcessHarness } from './support/harness.ts';
import { waitUntil } from './support/wait.ts';

/**
 * Live mode end to end: the gateway (a real process, trusting the simulator's CA only through
 * NODE_EXTRA_CA_CERTS, as a merchant's deployment trusts a private CA) takes live payments through
 * wallet accounts connected over the API, at the simulator served over HTTPS; alipay-sdk and tenpay,
 * with the same credentials, find the trades there. Test and live objects never see each other.
 */
type Registration = MerchantRegistration & { ca: string; wechat: Required<MerchantRegistration['wechat']> };
type Ledger = { charges: Array<{ merchant: string; partner?: string; outTradeNo: string; status: string }>; refunds: Array<{ outTradeNo: string; outRefundNo: string }> };

// The Agent of alipay-sdk's own HTTP client (urllib), so the SDK trusts the simulator's CA.
const requireFromSdk = createRequire(createRequire(import.meta.url).resolve('alipay-sdk'));
const { Agent: UrllibAgent } = requireFromSdk('urllib') as { Agent: new (options: { connect: { ca: string } }) => object };

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

for (const kind of await testDatabaseKinds()) {
  describe(`live mode against the simulator over TLS on ${kind}`, () => {
    let h: ProcessHarness;
    let wallet: RunningSimulator; // the "real wallets", over HTTPS
    let untrusted: RunningSimulator; // a wallet whose CA the gateway does not trust
    const dirs: string[] = [];
    let ca: string;
    let caFile: string;
    let tlsAgent: Agent;
    let reg: Registration;
    let other: Registration;
    let n = 0;
    const orderId = () => `live-${Date.now()}-${n++}`;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'counterpay-live-'));
      const untrustedDir = mkdtempSync(join(tmpdir(), 'counterpay-untrusted-'));
      dirs.push(dir, untrustedDir);
      wallet = await startTlsSimulator(TEST_TIMINGS, dir);
      untrusted = await startTlsSimulator(TEST_TIMINGS, untrustedDir);
      caFile = join(dir, CA_CERT_FILE);
      ca = readFileSync(caFile, 'utf8');
      tlsAgent = new Agent({ connect: { ca: [ca, readFileSync(join(untrustedDir, CA_CERT_FILE), 'utf8')] } });
      h = await startProcessHarness(kind, { extraEnv: { NODE_EXTRA_CA_CERTS: caFile } });
      reg = await register(wallet);
      other = await register(wallet);
    });
    afterAll(async () => {
      await h?.close();
      await wallet?.close();
      await untrusted?.close();
      await tlsAgent?.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    async function atWallet<T>(sim: RunningSimulator, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      const response = await request(`${sim.url}${path}`, {
        method,
        dispatcher: tlsAgent,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      return (await response.body.json()) as T;
    }
    const register = (sim: RunningSimulator, extra: Record<string, unknown> = {}) => atWallet<Registration>(sim, 'POST', '/admin/merchants', { name: `live ${randomUUID()}`, ...extra });
    const ledger = (sim = wallet) => atWallet<Ledger>(sim, 'GET', '/admin/ledger');

    /** The native API with any key (the live one by default). */
    async function api(method: string, path: string, body?: unknown, key = h.merchant.live_secret_key) {
      const response = await fetch(`${h.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    }

    const alipayAccount = (who: Registration, overrides: Record<string, unknown> = {}) => ({
      wallet: 'alipay',
      app_id: who.alipay.appId,
      private_key: who.alipay.appPrivateKey,
      alipay_public_key: who.alipay.alipayPublicKey,
      endpoint: `${wallet.url}/gateway.do`,
      ...overrides,
    });
    const wechatAccount = (who: Registration, overrides: Record<string, unknown> = {}) => ({
      wallet: 'wechat',
      app_id: who.wechat.appId,
      mch_id: who.wechat.mchId,
      api_key: who.wechat.apiKey,
      cert_pem: who.wechat.certPem,
      key_pem: who.wechat.keyPem,
      endpoint: wallet.url,
      ...overrides,
    });
    const pay = (barcode: string, key = h.merchant.live_secret_key, extra: Record<string, unknown> = {}) =>
      api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', merchant_order_id: orderId(), barcode, ...extra }, key);
    const settled = (id: string, key = h.merchant.live_secret_key) => waitUntil(() => api('GET', `/v1/payments/${id}`, undefined, key).then((r) => r.body), (p) => p.status !== 'processing', 15_000, 200);

    /** A second merchant of the same gateway, with its own live key. */
    const newMerchant = () => h.createMerchant(`Shop ${n++}`);

    it('refuses a live payment for a wallet that is not connected, sending nothing anywhere', async () => {
      const before = { live: (await ledger()).charges.length, test: (await h.ledger()).charges.length };
      const orderNo = orderId();
      const refused = await api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', merchant_order_id: orderNo, barcode: '280000000000000001' });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('wallet_not_connected');
      expect((await api('GET', `/v1/payments?merchant_order_id=${orderNo}`)).body.data).toEqual([]);
      expect((await ledger()).charges.length).toBe(before.live);
      expect((await h.ledger()).charges.length).toBe(before.test);
    });

    it('refuses each kind of wrong credential at connect with its own message, and saves nothing', async () => {
      const closedPort = await freePort();
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [alipayAccount(reg, { app_id: '2021000000000000' }), 'app_id_unknown', /app id/i],
        [alipayAccount(reg, { private_key: other.alipay.appPrivateKey }), 'signature_rejected', /private key/i],
        [alipayAccount(reg, { alipay_public_key: other.alipay.alipayPublicKey }), 'response_unverifiable', /public key|certificate/i],
        [wechatAccount(reg, { api_key: 'x'.repeat(32) }), 'api_key_wrong', /API key/i],
        [wechatAccount(reg, { cert_pem: other.wechat.certPem, key_pem: other.wechat.keyPem }), 'certificate_not_accepted', /certificate/i],
        [alipayAccount(reg, { endpoint: `https://127.0.0.1:${closedPort}/gateway.do` }), 'endpoint_unreachable', /reach|refused/i],
        [alipayAccount(reg, { endpoint: `${untrusted.url}/gateway.do` }), 'tls_untrusted', /trust|certificate/i],
      ];
      const messages = new Set<string>();
      for (const [account, verdict, words] of cases) {
        const refused = await api('POST', '/v1/wallet_accounts', account);
        expect(refused.status, verdict).toBe(400);
        expect(refused.body.error, verdict).toMatchObject({ code: 'wallet_credentials_rejected', param: verdict });
        expect(refused.body.error.message, verdict).toMatch(words);
        messages.add(refused.body.error.message);
      }
      expect(messages.size).toBe(cases.length);
      // No endpoint in live mode means the wallet's production, never the simulator: the simulator's own
      // credentials are refused there (unreachable from here, or unknown to the real Alipay).
      const production = await api('POST', '/v1/wallet_accounts', alipayAccount(reg, { endpoint: undefined }));
      expect(production.body.error).toMatchObject({ code: 'wallet_credentials_rejected' });
      expect((await api('GET', '/v1/wallet_accounts')).body.data).toEqual([]);
    });

    it('connects both wallets in live mode, shows them without secrets, and takes live barcode payments the wallets\' own clients find', async () => {
      const alipay = await api('POST', '/v1/wallet_accounts', alipayAccount(reg));
      expect(alipay.status).toBe(200);
      expect(alipay.body).toMatchObject({ object: 'wallet_account', wallet: 'alipay', livemode: true, app_id: reg.alipay.appId, alipay_mode: 'public_key' });
      const wechat = await api('POST', '/v1/wallet_accounts', wechatAccount(reg));
      expect(wechat.body).toMatchObject({ wallet: 'wechat', livemode: true, mch_id: reg.wechat.mchId, has_client_certificate: true });
      expect(wechat.body.certificates[0].notAfter).toMatch(/^\d{4}-/);
      const listed = await api('GET', '/v1/wallet_accounts');
      expect(listed.body.data.map((a: { wallet: string }) => a.wallet).sort()).toEqual(['alipay', 'wechat']);
      const shown = JSON.stringify(listed.body);
      for (const secret of [reg.wechat.apiKey, 'PRIVATE KEY', reg.wechat.keyPem.slice(40, 80)]) expect(shown).not.toContain(secret);
      expect((await api('GET', '/v1/wallet_accounts', undefined, h.merchant.secret_key)).body.data).toEqual([]);

      const ali = await pay('280000000000000001');
      expect(ali.body).toMatchObject({ status: 'succeeded', wallet: 'alipay', livemode: true });
      const wx = await pay('130000000000000001');
      expect(wx.body).toMatchObject({ status: 'succeeded', wallet: 'wechat', livemode: true });

      const sdk = new AlipaySdk({
        appId: reg.alipay.appId,
        privateKey: reg.alipay.appPrivateKey,
        keyType: 'PKCS8',
        alipayPublicKey: reg.alipay.alipayPublicKey,
        gateway: `${wallet.url}/gateway.do`,
        endpoint: wallet.url,
        proxyAgent: new UrllibAgent({ connect: { ca } }) as never,
      });
      const found = (await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: ali.body.id } })) as { tradeStatus?: string };
      expect(found.tradeStatus).toBe('TRADE_SUCCESS');
      const tenpay = await tenpayInChild(caFile, {
        baseUrl: wallet.url,
        config: { appid: reg.wechat.appId, mchid: reg.wechat.mchId, partnerKey: reg.wechat.apiKey },
        method: 'orderQuery',
        params: { out_trade_no: wx.body.id },
      });
      expect(tenpay.answer?.trade_state, tenpay.error).toBe('SUCCESS');
      // Nothing of it reached the test-mode simulator.
      expect((await h.ledger()).charges.some((c) => c.outTradeNo === ali.body.id || c.outTradeNo === wx.body.id)).toBe(false);
    });

    it('refunds live over /secapi/ with the client certificate, and reverses a payment the buyer never confirms', async () => {
      const { body: paid } = await pay('130000000000000001');
      const refund = await api('POST', `/v1/payments/${paid.id}/refunds`, { amount: 400 });
      expect(refund.body).toMatchObject({ object: 'refund', status: 'succeeded', amount: 400 });
      expect((await ledger()).refunds.some((r) => r.outRefundNo === refund.body.id)).toBe(true);

      const { body: waiting } = await pay('130000000000000005', h.merchant.live_secret_key, { wait_seconds: 0 });
      const cancelled = await api('POST', `/v1/payments/${waiting.id}/cancel`, {});
      const final = cancelled.body.status === 'processing' ? await settled(waiting.id) : cancelled.body;
      expect(final).toMatchObject({ status: 'closed', failure_code: 'payment_cancelled' });
      expect((await ledger()).charges.find((c) => c.outTradeNo === waiting.id)?.status).not.toBe('paid');
    });

    it('takes live QR payments on both wallets, paid in the wallet\'s consumer app', async () => {
      const consumers = await atWallet<Array<{ id: string }>>(wallet, 'GET', '/admin/consumers');
      for (const w of ['alipay', 'wechat'] as const) {
        const created = await api('POST', '/v1/payments', { amount: 1800, currency: 'CNY', merchant_order_id: orderId(), qr: { wallet: w, expires_in: 300 } });
        expect(created.body).toMatchObject({ status: 'processing', livemode: true, wallet: w });
        expect(created.body.qr_code).toBeTruthy();
        const paid = await atWallet<{ outcome?: string; error?: string }>(wallet, 'POST', `/app/api/consumers/${consumers[0]!.id}/pay-qr`, {
          content: created.body.qr_code,
          wallet: w,
          password: '123456',
        });
        expect(paid.error).toBeUndefined();
        expect(await settled(created.body.id)).toMatchObject({ status: 'succeeded', livemode: true });
      }
    });

    it('refuses WeChat Pay barcode payments and refunds without a client certificate before anything is written or sent', async () => {
      const shop = await newMerchant();
      const connected = await api('POST', '/v1/wallet_accounts', wechatAccount(reg, { cert_pem: undefined, key_pem: undefined }), shop.live_secret_key);
      expect(connected.body).toMatchObject({ wallet: 'wechat', has_client_certificate: false });
      const chargesBefore = (await ledger()).charges.length;
      // A barcode payment may need a reversal, which needs the certificate: it is not started.
      const barcode = await pay('130000000000000001', shop.live_secret_key);
      expect(barcode.status).toBe(400);
      expect(barcode.body.error.code).toBe('wallet_certificate_missing');
      expect((await ledger()).charges.length).toBe(chargesBefore);
      // A QR payment closes without it; its refund is refused before anything changes.
      const consumers = await atWallet<Array<{ id: string }>>(wallet, 'GET', '/admin/consumers');
      const created = await api('POST', '/v1/payments', { amount: 900, currency: 'CNY', merchant_order_id: orderId(), qr: { wallet: 'wechat', expires_in: 300 } }, shop.live_secret_key);
      await atWallet(wallet, 'POST', `/app/api/consumers/${consumers[0]!.id}/pay-qr`, { content: created.body.qr_code, wallet: 'wechat', password: '123456' });
      const paid = await settled(created.body.id, shop.live_secret_key);
      expect(paid.status).toBe('succeeded');
      const refused = await api('POST', `/v1/payments/${paid.id}/refunds`, { amount: 100 }, shop.live_secret_key);
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('wallet_certificate_missing');
      expect((await api('GET', `/v1/payments/${paid.id}/refunds`, undefined, shop.live_secret_key)).body.data).toEqual([]);
      expect((await ledger()).refunds.some((r) => r.outTradeNo === paid.id)).toBe(false);
    });

    it('pays with an Alipay account in certificate mode', async () => {
      const shop = await newMerchant();
      const connected = await api(
        'POST',
        '/v1/wallet_accounts',
        alipayAccount(reg, { alipay_public_key: undefined, app_cert: reg.alipay.appCertPem, alipay_cert: reg.alipay.alipayCertPem, alipay_root_cert: reg.alipay.alipayRootCertPem }),
        shop.live_secret_key,
      );
      expect(connected.body).toMatchObject({ wallet: 'alipay', alipay_mode: 'certificate' });
      expect((await pay('280000000000000001', shop.live_secret_key)).body).toMatchObject({ status: 'succeeded', livemode: true });
    });

    it('pays as a WeChat Pay service provider for a sub-merchant (sub_mch_id)', async () => {
      const shop = await newMerchant();
      const sub = await atWallet<{ wechat: { subMchId: string } }>(wallet, 'POST', '/admin/merchants', { name: 'sub shop', partner: reg.wechat.mchId });
      const connected = await api('POST', '/v1/wallet_accounts', wechatAccount(reg, { sub_mch_id: sub.wechat.subMchId }), shop.live_secret_key);
      expect(connected.body).toMatchObject({ mch_id: reg.wechat.mchId, sub_mch_id: sub.wechat.subMchId });
      const { body: paid } = await pay('130000000000000001', shop.live_secret_key);
      expect(paid.status).toBe('succeeded');
      expect((await ledger()).charges.find((c) => c.outTradeNo === paid.id)).toMatchObject({ merchant: sub.wechat.subMchId });
    });

    it('fails a payment cleanly as not sent when the wallet\'s certificate is not trusted', async () => {
      const shop = await newMerchant();
      const stranger = await register(untrusted);
      const connected = await api('POST', '/v1/wallet_accounts', { ...alipayAccount(stranger, { endpoint: `${untrusted.url}/gateway.do` }), verify: false }, shop.live_secret_key);
      expect(connected.status).toBe(200);
      const { body: payment } = await pay('280000000000000001', shop.live_secret_key);
      expect(payment).toMatchObject({ status: 'failed', failure_code: 'wallet_unavailable' });
      expect((await ledger(untrusted)).charges).toEqual([]);
    });

    it('keeps test and live apart: payments, refunds, events, webhook endpoints and every dialect', async () => {
      const { body: live } = await pay('280000000000000001');
      const { body: test } = await pay('280000000000000001', h.merchant.secret_key);
      expect(live).toMatchObject({ status: 'succeeded', livemode: true });
      expect(test).toMatchObject({ status: 'succeeded', livemode: false });
      // The test key sees the simulator account made at its first payment, shown like a connected one.
      const testAccounts = (await api('GET', '/v1/wallet_accounts', undefined, h.merchant.secret_key)).body.data;
      expect(testAccounts.find((a: { wallet: string }) => a.wallet === 'alipay')).toMatchObject({ livemode: false, endpoint: 'simulator', app_id: expect.stringMatching(/^2021/) });
      expect((await api('GET', `/v1/payments/${live.id}`, undefined, h.merchant.secret_key)).status).toBe(404);
      expect((await api('GET', `/v1/payments/${test.id}`)).status).toBe(404);
      // The same order id retried with the other mode's key is a conflict, never the other mode's payment.
      const crossed = await api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', merchant_order_id: live.merchant_order_id, barcode: '280000000000000001' }, h.merchant.secret_key);
      expect(crossed.status, JSON.stringify(crossed.body)).toBe(409);
      expect(crossed.body.error.code).toBe('livemode_mismatch');
      expect((await api('POST', `/v1/payments/${live.id}/refunds`, { amount: 1 }, h.merchant.secret_key)).status).toBe(404);
      const liveRefund = (await api('POST', `/v1/payments/${live.id}/refunds`, { amount: 1 })).body;
      expect(liveRefund).toMatchObject({ status: 'succeeded', livemode: true });
      expect((await api('GET', `/v1/refunds/${liveRefund.id}`, undefined, h.merchant.secret_key)).status).toBe(404);

      const liveEvents = (await api('GET', '/v1/events?limit=100')).body.data as Array<{ livemode: boolean; data: { object: { id: string } } }>;
      const testEvents = (await api('GET', '/v1/events?limit=100', undefined, h.merchant.secret_key)).body.data as typeof liveEvents;
      expect(liveEvents.some((e) => e.data.object.id === live.id)).toBe(true);
      expect(liveEvents.every((e) => e.livemode)).toBe(true);
      expect(testEvents.some((e) => e.data.object.id === live.id)).toBe(false);
      expect(testEvents.every((e) => !e.livemode)).toBe(true);

      const endpoint = (await api('POST', '/v1/webhook_endpoints', { url: 'https://shop.example/hook' })).body;
      expect(endpoint.livemode).toBe(true);
      expect((await api('GET', `/v1/webhook_endpoints/${endpoint.id}`, undefined, h.merchant.secret_key)).status).toBe(404);
      expect((await api('GET', '/v1/webhook_endpoints', undefined, h.merchant.secret_key)).body.data.some((e: { id: string }) => e.id === endpoint.id)).toBe(false);

      // PingPong: each mode's accId sees only its own mode's transactions.
      const pingpong = async (account: { accId: string; clientId: string; salt: string }, path: string, biz: Record<string, unknown>) => {
        const fields = { accId: account.accId, clientId: account.clientId, signType: 'SHA256', version: '1.0', bizContent: JSON.stringify(biz) };
        const text = account.salt + Object.keys(fields).sort().map((k) => `${k}=${fields[k as keyof typeof fields]}`).join('&');
        const sign = createHash('sha256').update(text).digest('hex').toUpperCase();
        const response = await fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...fields, sign }) });
        return (await response.json()) as { code: string; description: string };
      };
      expect((await pingpong(h.merchant.pingpong.live, '/v4/payment/query', { transactionId: live.id })).code).toBe('000000');
      expect((await pingpong(h.merchant.pingpong, '/v4/payment/query', { transactionId: live.id })).code).toBe('107001');
      expect((await pingpong(h.merchant.pingpong.live, '/v4/payment/query', { transactionId: test.id })).code).toBe('107001');
      // A notify URL given through a dialect passes the same check as a native one: no private address in live mode.
      const unsafe = await pingpong(h.merchant.pingpong.live, '/v4/payment/unifiedPay', {
        merchantTransactionId: orderId(),
        requestId: randomUUID(),
        amount: '1.00',
        currency: 'CNY',
        captureDelayHours: 0,
        paymentMethod: { type: 'AlipayCN-Offline', scanCodeId: '280000000000000001' },
        notificationUrl: 'http://127.0.0.1:9/hook',
      });
      expect(unsafe.code).toBe('102000');
      expect(unsafe.description).toMatch(/public/);

      // ScanForPay: the same with each mode's partnerNo.
      const scanforpay = async (account: { partnerNo: string; signKey: string }, orderNo: string) => {
        const requestText = JSON.stringify({ header: { requestTime: '2018-07-25T18:06:05+08:00', partnerNo: account.partnerNo, signType: 'SHA256', version: '1.0', reqMsgId: randomUUID() }, body: { orderNo } });
        const signature = createHash('sha256').update(requestText + account.signKey).digest('hex');
        const response = await fetch(`${h.url}/api/common/payQuery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"request":${requestText},"signature":"${signature}"}` });
        return ((await response.json()) as { response: { body: { code: number } } }).response.body.code;
      };
      expect(await scanforpay(h.merchant.scanforpay.live, live.id)).toBe(1);
      expect(await scanforpay(h.merchant.scanforpay, live.id)).toBe(30);

      // Omise: a live key makes live charges (chrg_…), which a test key cannot see.
      const omise = (key: string, method: string, path: string, body?: unknown) =>
        fetch(`${h.url}${path}`, {
          method,
          headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
      const charge = await omise(h.merchant.omise.liveSecretKey, 'POST', '/charges', { amount: 400000, currency: 'THB', source: { type: 'barcode_alipay', barcode: '280000000000000001' } });
      expect(charge.body).toMatchObject({ object: 'charge', livemode: true, status: 'successful' });
      expect(charge.body.id).toMatch(/^chrg_(?!test_)/);
      expect((await omise(h.merchant.omise.liveSecretKey, 'GET', `/charges/${charge.body.id}`)).status).toBe(200);
      expect((await omise(h.merchant.omise.secretKey, 'GET', `/charges/${charge.body.id}`)).status).toBe(404);
    });
  });
}
