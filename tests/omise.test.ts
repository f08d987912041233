import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { waitUntil } from './support/wait.ts';

/**
 * The official `omise` npm client, pointed at counterpay as Omise merchants point it at Omise. Its
 * `host` option takes a host name only (default port), so the gateway listens on 127.0.0.2:80.
 */
const require = createRequire(import.meta.url);
const omiseClient = require('omise') as (options: Record<string, unknown>) => {
  charges: {
    create(body: Record<string, unknown>): Promise<any>;
    retrieve(id: string): Promise<any>;
    list(query?: Record<string, unknown>): Promise<any>;
    expire(id: string): Promise<any>;
    createRefund(id: string, body: Record<string, unknown>): Promise<any>;
    listRefunds(id: string): Promise<any>;
  };
};

describe('Omise dialect with the official omise client', () => {
  let h: Harness;
  let omise: ReturnType<typeof omiseClient>;
  beforeAll(async () => {
    h = await startHarness('sqlite', { host: '127.0.0.2', port: 80 }).catch((error: Error) => {
      throw new Error(`the Omise suite needs to listen on 127.0.0.2:80 (run as root): ${error.message}`);
    });
    omise = omiseClient({ secretKey: h.merchant.omise.secretKey, omiseVersion: '2019-05-29', host: '127.0.0.2', scheme: 'http' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const charge = (barcode: string, amount = 400000) =>
    omise.charges.create({ amount, currency: 'THB', source: { type: 'barcode_alipay', barcode, store_id: 'BJ_ZZ_001', store_name: 'Some Store', terminal_id: 'T80001' } });

  it('creates, retrieves, lists and refunds a successful charge (code 1) with every field of the seed', async () => {
    const created = await charge('280000000000000001');
    expect(created).toMatchObject({ object: 'charge', status: 'successful', paid: true, amount: 400000, fee: 6600, fee_vat: 462, net: 392938, currency: 'THB', failure_code: null });
    expect(created.id).toMatch(/^chrg_test_/);
    expect(created.source).toMatchObject({ object: 'source', type: 'barcode_alipay', store_id: 'BJ_ZZ_001', store_name: 'Some Store', terminal_id: 'T80001', charge_status: 'successful', flow: 'offline' });
    const seedKeys = ['object', 'id', 'location', 'amount', 'net', 'fee', 'fee_vat', 'interest', 'interest_vat', 'funding_amount', 'refunded_amount', 'authorized', 'capturable', 'capture', 'disputable', 'livemode', 'refundable', 'reversed', 'reversible', 'voided', 'paid', 'expired', 'platform_fee', 'currency', 'funding_currency', 'ip', 'refunds', 'link', 'description', 'metadata', 'card', 'source', 'schedule', 'customer', 'dispute', 'transaction', 'failure_code', 'failure_message', 'status', 'authorize_uri', 'return_uri', 'created_at', 'paid_at', 'expires_at', 'expired_at', 'reversed_at', 'zero_interest_installments', 'branch', 'terminal', 'device'];
    expect(Object.keys(created).sort()).toEqual([...seedKeys].sort());
    expect(await omise.charges.retrieve(created.id)).toMatchObject({ id: created.id, status: 'successful' });
    const list = await omise.charges.list({ limit: 100 });
    expect(list).toMatchObject({ object: 'list', order: 'chronological' });
    expect(list.data.map((c: { id: string }) => c.id)).toContain(created.id);
    const refund = await omise.charges.createRefund(created.id, { amount: 100000 });
    expect(refund).toMatchObject({ object: 'refund', charge: created.id, amount: 100000, status: 'closed' });
    expect(refund.id).toMatch(/^rfnd_test_/);
    expect((await omise.charges.retrieve(created.id)).refunded_amount).toBe(100000);
    expect((await omise.charges.listRefunds(created.id)).data).toHaveLength(1);
    await expect(omise.charges.createRefund(created.id, { amount: 300001 })).rejects.toMatchObject({ object: 'error', code: 'failed_refund' });
    const native = await h.api('GET', `/v1/payments/pay_${created.id.slice('chrg_test_'.length)}`);
    expect(native.body).toMatchObject({ dialect: 'omise', status: 'succeeded', amount_refunded: 100000 });
  });

  it('settles a password wait (code 2) and a lost first answer (code 6) as successful', async () => {
    for (const code of ['280000000000000002', '280000000000000006']) {
      const created = await charge(code);
      const settled = await waitUntil(() => omise.charges.retrieve(created.id), (c) => c.status !== 'pending', 10_000, 200);
      expect(settled).toMatchObject({ status: 'successful', paid: true });
    }
  });

  it('fails insufficient balance (code 3) and a rejected code (code 4) with Omise failure codes', async () => {
    expect(await charge('280000000000000003')).toMatchObject({ status: 'failed', failure_code: 'insufficient_balance', paid: false });
    expect(await charge('280000000000000004')).toMatchObject({ status: 'failed', failure_code: 'payment_rejected' });
  });

  it('expires a pending charge (code 5) at the wallet; a second expire is refused', async () => {
    const created = await charge('280000000000000005');
    expect(created.status).toBe('pending');
    const expired = await omise.charges.expire(created.id);
    expect(expired).toMatchObject({ status: 'expired', expired: true, paid: false, failure_code: 'payment_cancelled' });
    await expect(omise.charges.expire(created.id)).rejects.toMatchObject({ object: 'error', code: 'failed_expire' });
    const atWallet = (await h.ledger()).charges.find((c) => c.outTradeNo === `pay_${created.id.slice('chrg_test_'.length)}`);
    expect(atWallet?.status).toBe('closed');
  });

  it('rejects a wrong key, an unknown charge, THB limits and non-Alipay codes as Omise errors', async () => {
    const stranger = omiseClient({ secretKey: 'skey_test_wrong', omiseVersion: '2019-05-29', host: '127.0.0.2', scheme: 'http' });
    await expect(stranger.charges.list()).rejects.toMatchObject({ object: 'error', code: 'authentication_failure' });
    await expect(omise.charges.retrieve('chrg_test_nothing')).rejects.toMatchObject({ object: 'error', code: 'not_found' });
    await expect(charge('280000000000000001', 1999)).rejects.toMatchObject({ code: 'invalid_charge' });
    await expect(charge('280000000000000001', 15_000_001)).rejects.toMatchObject({ code: 'invalid_charge' });
    await expect(charge('130000000000000001')).rejects.toMatchObject({ code: 'invalid_charge' });
  });

  it('accepts the seed\'s form-encoded curl request', async () => {
    const form = new URLSearchParams({ amount: '400000', currency: 'THB', 'source[type]': 'barcode_alipay', 'source[barcode]': '280000000000000001', 'source[store_id]': 'BJ_ZZ_001', 'source[store_name]': 'Some Store', 'source[terminal_id]': 'T80001' });
    const response = await fetch('http://127.0.0.2/charges', { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${h.merchant.omise.secretKey}:`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ object: 'charge', status: 'successful', source: { store_id: 'BJ_ZZ_001', terminal_id: 'T80001' } });
  });

  it('refuses form fields that shadow toString/valueOf with a 400, not a crash', async () => {
    const auth = `Basic ${Buffer.from(`${h.merchant.omise.secretKey}:`).toString('base64')}`;
    for (const payload of ['amount[toString]=1&amount[valueOf]=2&currency=THB', 'amount=400000&currency[toString]=x&currency[valueOf]=y', 'amount=400000&currency=THB&source[type]=barcode_alipay&source[barcode][toString]=1&source[barcode][valueOf]=2']) {
      const response = await h.gateway.app.inject({ method: 'POST', url: '/charges', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, payload });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ object: 'error', code: 'invalid_charge' });
    }
  });

  it('answers 2,000 random or mutated bodies with Omise errors or charges, never a 5xx', async () => {
    const auth = `Basic ${Buffer.from(`${h.merchant.omise.secretKey}:`).toString('base64')}`;
    const valid = { amount: 400000, currency: 'THB', source: { type: 'barcode_alipay', barcode: '280000000000000003' } };
    const body = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ amount: fc.oneof(fc.integer(), fc.string(), fc.double()), currency: fc.oneof(fc.constant('THB'), fc.string()), source: fc.oneof(fc.object(), fc.record({ type: fc.string(), barcode: fc.string() })) }).map((v) => JSON.stringify(v)),
      fc.constantFrom(...Object.keys(valid)).chain((key) => fc.anything().map((value) => JSON.stringify({ ...valid, [key]: value }))),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'), async (payload, contentType) => {
        const response = await h.gateway.app.inject({ method: 'POST', url: '/charges', headers: { authorization: auth, 'content-type': contentType }, payload });
        expect(response.statusCode, `${contentType} ${payload} → ${response.body}`).toBeLessThan(500);
        expect(['error', 'charge']).toContain(response.json().object);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
    );
  }, 120_000);
});
