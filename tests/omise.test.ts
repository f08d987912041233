import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { waitUntil } from './support/wait.ts';

/**
 * The official `omise` npm client, pointed at counterpay the way an Omise merchant points it at
 * api.omise.co: only `host` and `scheme` change. The client takes a host name only and always uses
 * the scheme's default port, so the gateway listens on 127.0.0.2:80 (PROTOCOLS.md §3).
 */
const require = createRequire(import.meta.url);
type OmiseObject = Record<string, any>;
interface OmiseClient {
  charges: {
    create(body: OmiseObject): Promise<OmiseObject>;
    retrieve(id: string): Promise<OmiseObject>;
    list(query?: OmiseObject): Promise<OmiseObject>;
    expire(id: string): Promise<OmiseObject>;
    createRefund(id: string, body: OmiseObject): Promise<OmiseObject>;
    listRefunds(id: string): Promise<OmiseObject>;
    retrieveRefund(id: string, refundId: string): Promise<OmiseObject>;
    capture(id: string): Promise<OmiseObject>;
  };
  events: { retrieve(id: string): Promise<OmiseObject>; list(query?: OmiseObject): Promise<OmiseObject> };
}
const omiseClient = require('omise') as (options: OmiseObject) => OmiseClient;

const HOST = '127.0.0.2';
const SEED_SOURCE = { type: 'barcode_alipay', store_id: 'BJ_ZZ_001', store_name: 'Some Store', terminal_id: 'T80001' };

/** Every key of seed 003's charge example. */
const SEED_CHARGE_KEYS = [
  'object', 'id', 'location', 'amount', 'net', 'fee', 'fee_vat', 'interest', 'interest_vat', 'funding_amount', 'refunded_amount', 'authorized',
  'capturable', 'capture', 'disputable', 'livemode', 'refundable', 'reversed', 'reversible', 'voided', 'paid', 'expired', 'platform_fee', 'currency',
  'funding_currency', 'ip', 'refunds', 'link', 'description', 'metadata', 'card', 'source', 'schedule', 'customer', 'dispute', 'transaction',
  'failure_code', 'failure_message', 'status', 'authorize_uri', 'return_uri', 'created_at', 'paid_at', 'expires_at', 'expired_at', 'reversed_at',
  'zero_interest_installments', 'branch', 'terminal', 'device',
];

const paymentIdOf = (chargeId: string) => `pay_${chargeId.slice('chrg_test_'.length)}`;

describe('Omise dialect with the official omise client', () => {
  let h: Harness;
  let omise: OmiseClient;
  let basicAuth: string;

  beforeAll(async () => {
    // A confirmation deadline longer than the create wait (3 s), so code 5 is still pending when answered.
    h = await startHarness('sqlite', { host: HOST, port: 80, buyerConfirmDeadlineMs: 6000 }).catch((error: Error) => {
      throw new Error(`The Omise suite must listen on ${HOST}:80 (the omise client always uses the default port); run it as root or allow binding port 80: ${error.message}`);
    });
    omise = omiseClient({ secretKey: h.merchant.omise.secretKey, omiseVersion: '2019-05-29', host: HOST, scheme: 'http' });
    basicAuth = `Basic ${Buffer.from(`${h.merchant.omise.secretKey}:`).toString('base64')}`;
  });
  afterAll(async () => {
    await h?.close();
  });

  const charge = (barcode: string, amount = 400000, extra: OmiseObject = {}) =>
    omise.charges.create({ amount, currency: 'THB', source: { ...SEED_SOURCE, barcode }, ...extra });

  it('should create a successful charge (code 1) with every field of seed 003 and its fees', async () => {
    const created = await charge('280000000000000001', 400000, { description: 'Order 1', metadata: { order_id: 'A-1' } });
    expect(Object.keys(created).sort()).toEqual([...SEED_CHARGE_KEYS].sort());
    expect(created).toMatchObject({
      object: 'charge',
      status: 'successful',
      paid: true,
      authorized: true,
      refundable: true,
      amount: 400000,
      fee: 6600,
      fee_vat: 462,
      net: 392938,
      currency: 'THB',
      failure_code: null,
      description: 'Order 1',
      metadata: { order_id: 'A-1' },
      location: `/charges/${created.id}`,
      refunds: { object: 'list', data: [], total: 0, location: `/charges/${created.id}/refunds` },
      source: { object: 'source', type: 'barcode_alipay', flow: 'offline', barcode: '2800**********0001', store_id: 'BJ_ZZ_001', store_name: 'Some Store', terminal_id: 'T80001', charge_status: 'successful' },
    });
    expect(created.id).toMatch(/^chrg_test_[0-9a-z]+$/);
    expect(created.paid_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await omise.charges.retrieve(created.id)).toEqual({ ...created, refunds: { ...created.refunds, to: expect.any(String) } });
  });

  it('should show a charge made through Omise in the native API with dialect omise', async () => {
    const created = await charge('280000000000000001', 2500);
    const native = await h.api('GET', `/v1/payments/${paymentIdOf(created.id)}`);
    expect(native.status).toBe(200);
    expect(native.body).toMatchObject({ dialect: 'omise', status: 'succeeded', amount: 2500, currency: 'THB', wallet: 'alipay', store_id: 'BJ_ZZ_001', terminal_id: 'T80001' });
    expect(native.body.merchant_order_id).toMatch(/^omise:/);
  });

  it('should list charges as an Omise list object with limit, offset, order and a time window', async () => {
    const a = await charge('280000000000000001', 3001);
    const b = await charge('280000000000000001', 3002);
    const all = await omise.charges.list({ limit: 100 });
    expect(all).toMatchObject({ object: 'list', limit: 100, offset: 0, order: 'chronological', from: '1970-01-01T00:00:00Z', location: '/charges' });
    expect(all.total).toBe(all.data.length);
    const ids = all.data.map((c: OmiseObject) => c.id);
    expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
    const newest = await omise.charges.list({ limit: 1, order: 'reverse_chronological' });
    expect(newest).toMatchObject({ limit: 1, total: all.total, order: 'reverse_chronological', data: [{ id: b.id }] });
    expect((await omise.charges.list({ limit: 1, offset: all.total - 1 })).data[0].id).toBe(b.id);
    const window = await omise.charges.list({ from: a.created_at, limit: 100 });
    expect(window.data.map((c: OmiseObject) => c.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(await omise.charges.list({ to: '2001-01-01T00:00:00Z' })).toMatchObject({ total: 0, data: [], to: '2001-01-01T00:00:00Z' });
  });

  it('should refund partially, then fully, at the wallet, and refuse a refund beyond the charge', async () => {
    const created = await charge('280000000000000001');
    const first = await omise.charges.createRefund(created.id, { amount: 100000, metadata: { reason: 'damaged' } });
    expect(first).toMatchObject({ object: 'refund', charge: created.id, amount: 100000, currency: 'THB', status: 'closed', voided: false, metadata: { reason: 'damaged' } });
    expect(first.id).toMatch(/^rfnd_test_/);
    expect(await omise.charges.retrieve(created.id)).toMatchObject({ refunded_amount: 100000, refundable: true, refunds: { total: 1, data: [{ id: first.id }] } });
    await expect(omise.charges.createRefund(created.id, { amount: 300001 })).rejects.toMatchObject({ object: 'error', code: 'failed_refund' });
    const rest = await omise.charges.createRefund(created.id, { amount: 300000 });
    expect(rest).toMatchObject({ status: 'closed', amount: 300000 });
    expect(await omise.charges.listRefunds(created.id)).toMatchObject({ object: 'list', total: 2, data: [{ id: first.id }, { id: rest.id }] });
    expect(await omise.charges.retrieveRefund(created.id, rest.id)).toMatchObject({ id: rest.id, amount: 300000 });
    expect(await omise.charges.retrieve(created.id)).toMatchObject({ refunded_amount: 400000, refundable: false });
    await expect(omise.charges.createRefund(created.id, { amount: 1 })).rejects.toMatchObject({ code: 'failed_refund', message: 'charge has already been fully refunded' });
    const atWallet = (await h.ledger()).refunds.filter((r) => r.outTradeNo === paymentIdOf(created.id));
    expect(atWallet.map((r) => r.amount).sort()).toEqual([100000, 300000]);
  });

  it('should settle code 2 (buyer confirms with a password) as successful', async () => {
    const created = await charge('280000000000000002');
    const settled = created.status === 'pending' ? await waitUntil(() => omise.charges.retrieve(created.id), (c) => c.status !== 'pending', 10_000, 200) : created;
    expect(settled).toMatchObject({ status: 'successful', paid: true });
  });

  it('should settle code 6 (the wallet\'s first answer is lost) as successful once the gateway finds it by query', async () => {
    const created = await charge('280000000000000006');
    const settled = await waitUntil(() => omise.charges.retrieve(created.id), (c) => c.status !== 'pending', 10_000, 200);
    expect(settled).toMatchObject({ status: 'successful', paid: true, failure_code: null });
  });

  it('should fail code 3 with insufficient_balance and code 4 with payment_rejected, neither refundable nor expirable', async () => {
    const poor = await charge('280000000000000003');
    expect(poor).toMatchObject({ status: 'failed', paid: false, refundable: false, failure_code: 'insufficient_balance', transaction: null });
    expect(poor.failure_message).toEqual(expect.any(String));
    const expiredCode = await charge('280000000000000004');
    expect(expiredCode).toMatchObject({ status: 'failed', failure_code: 'payment_rejected' });
    await expect(omise.charges.createRefund(poor.id, { amount: 2000 })).rejects.toMatchObject({ object: 'error', code: 'failed_refund' });
    await expect(omise.charges.expire(expiredCode.id)).rejects.toMatchObject({ object: 'error', code: 'failed_expire' });
  });

  it('should expire a pending charge (code 5) by cancelling it at the wallet, and refuse a second expire', async () => {
    const created = await charge('280000000000000005');
    expect(created).toMatchObject({ status: 'pending', paid: false, expired: false });
    const expired = await omise.charges.expire(created.id);
    expect(expired).toMatchObject({ id: created.id, status: 'expired', expired: true, paid: false, failure_code: 'payment_cancelled', source: { charge_status: 'expired' } });
    expect(expired.expired_at).toMatch(/Z$/);
    await expect(omise.charges.expire(created.id)).rejects.toMatchObject({ object: 'error', code: 'failed_expire' });
    const atWallet = (await h.ledger()).charges.find((c) => c.outTradeNo === paymentIdOf(created.id));
    expect(atWallet?.status).toBe('closed');
  });

  it('should reject the client\'s promise with Omise error objects', async () => {
    const stranger = omiseClient({ secretKey: 'skey_test_wrong', omiseVersion: '2019-05-29', host: HOST, scheme: 'http' });
    await expect(stranger.charges.list()).rejects.toEqual({ object: 'error', location: 'https://www.omise.co/api-errors#authentication-failure', code: 'authentication_failure', message: 'authentication failed' });
    await expect(omise.charges.retrieve('chrg_test_nothing')).rejects.toMatchObject({ object: 'error', code: 'not_found' });
    await expect(omise.charges.createRefund('chrg_test_nothing', { amount: 100 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(omise.events.retrieve('evnt_test_nothing')).rejects.toMatchObject({ code: 'not_found' });
    await expect(charge('280000000000000001', 1999)).rejects.toMatchObject({ code: 'invalid_charge', message: 'amount must be at least 2000 (THB 20.00)' });
    await expect(charge('280000000000000001', 15_000_001)).rejects.toMatchObject({ code: 'invalid_charge', message: 'amount must be at most 15000000 (THB 150,000.00)' });
    await expect(charge('130000000000000001')).rejects.toMatchObject({ code: 'invalid_charge', message: expect.stringContaining('WeChat Pay') });
    await expect(omise.charges.create({ amount: 400000, currency: 'USD', source: { ...SEED_SOURCE, barcode: '280000000000000001' } })).rejects.toMatchObject({ code: 'invalid_charge' });
    const created = await charge('280000000000000001', 2000);
    await expect(omise.charges.capture(created.id)).rejects.toMatchObject({ code: 'failed_capture' });
  });

  it('should not show charges of other APIs or other merchants', async () => {
    const native = await h.api('POST', '/v1/payments', { amount: 2000, currency: 'THB', merchant_order_id: `native-${Date.now()}`, barcode: '280000000000000001' });
    await expect(omise.charges.retrieve(`chrg_test_${native.body.id.slice('pay_'.length)}`)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('should return the first charge for a retry with the same Idempotency-Key, and refuse the key for another charge', async () => {
    const post = (amount: number) =>
      fetch(`http://${HOST}/charges`, {
        method: 'POST',
        headers: { authorization: basicAuth, 'content-type': 'application/json', 'idempotency-key': `omise-retry-${h.merchant.merchant_id}` },
        body: JSON.stringify({ amount, currency: 'THB', source: { ...SEED_SOURCE, barcode: '280000000000000001' } }),
      });
    const first = (await (await post(5000)).json()) as OmiseObject;
    const retry = await (await post(5000)).json();
    expect(retry).toMatchObject({ object: 'charge', id: first.id, status: 'successful' });
    const conflict = await post(6000);
    expect(conflict.status).toBe(400);
    expect(await conflict.json()).toMatchObject({ object: 'error', code: 'invalid_charge' });
  });

  it('should accept seed 003\'s curl requests: a form-encoded charge, a form-encoded refund and a bodiless expire', async () => {
    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { authorization: basicAuth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const response = await fetch(`http://${HOST}/charges`, form({ amount: '400000', currency: 'THB', 'source[type]': 'barcode_alipay', 'source[barcode]': '280000000000000001', 'source[store_id]': 'BJ_ZZ_001', 'source[store_name]': 'Some Store', 'source[terminal_id]': 'T80001' }));
    expect(response.status).toBe(200);
    const created = (await response.json()) as OmiseObject;
    expect(created).toMatchObject({ object: 'charge', status: 'successful', amount: 400000, fee: 6600, fee_vat: 462, net: 392938, source: { store_id: 'BJ_ZZ_001', store_name: 'Some Store', terminal_id: 'T80001' } });
    const refund = await fetch(`http://${HOST}/charges/${created.id}/refunds`, form({ amount: '400000' }));
    expect(await refund.json()).toMatchObject({ object: 'refund', amount: 400000, charge: created.id, status: 'closed' });

    const pending = (await (await fetch(`http://${HOST}/charges`, form({ amount: '2000', currency: 'THB', 'source[type]': 'barcode_alipay', 'source[barcode]': '280000000000000005' }))).json()) as OmiseObject;
    // Without source[store_id] the store configured for the merchant is used, as Omise does.
    expect(pending).toMatchObject({ status: 'pending', source: { store_id: h.merchant.store_no, store_name: 'Test Shop main store', terminal_id: null } });
    const expire = await fetch(`http://${HOST}/charges/${pending.id}/expire`, { method: 'POST', headers: { authorization: basicAuth } });
    expect(await expire.json()).toMatchObject({ status: 'expired' });
  });

  it('should expire a pending charge when the payment really expires: the buyer-confirmation deadline the gateway enforces', async () => {
    const created = await charge('280000000000000005', 2000);
    expect(created.status).toBe('pending');
    const paymentId = paymentIdOf(created.id);
    const native = (await h.api('GET', `/v1/payments/${paymentId}`)).body;
    const task = await h.db.selectFrom('tasks').select('deadline_at').where('object_id', '=', paymentId).executeTakeFirst();
    expect(native.expires_at).toEqual(expect.any(String));
    // The resolver cancels at this instant (its task's deadline); Omise shows it to the second.
    if (task) expect(task.deadline_at).toBe(native.expires_at);
    expect(created.expires_at).toBe(`${native.expires_at.slice(0, 19)}Z`);
    expect(created.source.references.expires_at).toBe(created.expires_at);
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBeGreaterThanOrEqual(5000); // BUYER_CONFIRM_DEADLINE of this suite: 6 s
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBeLessThanOrEqual(7000);
    await omise.charges.expire(created.id);
  });

  it('should fill store_id and store_name from the account\'s store when the charge omits them, and send that store id to Alipay', async () => {
    const alipay = (h.gateway.services.payments as unknown as { wallets: { connector(wallet: string): { pay: (...args: unknown[]) => unknown } } }).wallets.connector('alipay');
    const pay = vi.spyOn(alipay, 'pay');
    try {
      const bare = await omise.charges.create({ amount: 2000, currency: 'THB', source: { type: 'barcode_alipay', barcode: '280000000000000001' } });
      expect(bare).toMatchObject({ status: 'successful', source: { store_id: h.merchant.store_no, store_name: 'Test Shop main store', terminal_id: null } });
      expect((await h.api('GET', `/v1/payments/${paymentIdOf(bare.id)}`)).body.store_id).toBe(h.merchant.store_no);
      // Only the name omitted: the name of the account's store with that number.
      const named = await omise.charges.create({ amount: 2000, currency: 'THB', source: { type: 'barcode_alipay', barcode: '280000000000000001', store_id: h.merchant.store_no } });
      expect(named.source).toMatchObject({ store_id: h.merchant.store_no, store_name: 'Test Shop main store' });
      const sent = pay.mock.calls.map((call) => call[1] as { outTradeNo: string; storeId?: string });
      expect(sent.find((r) => r.outTradeNo === paymentIdOf(bare.id))?.storeId).toBe(h.merchant.store_no);
      expect(sent.find((r) => r.outTradeNo === paymentIdOf(named.id))?.storeId).toBe(h.merchant.store_no);
    } finally {
      pay.mockRestore();
    }
  });

  it('should answer seed 003\'s own example request (barcode 1234567890) in test mode as the test code that succeeds at once', async () => {
    const created = await omise.charges.create({ amount: 400000, currency: 'THB', source: { ...SEED_SOURCE, barcode: '1234567890' } });
    expect(created).toMatchObject({ object: 'charge', status: 'successful', paid: true, amount: 400000, fee: 6600, fee_vat: 462, net: 392938, source: { type: 'barcode_alipay', store_id: 'BJ_ZZ_001', store_name: 'Some Store', terminal_id: 'T80001' } });
    await expect(omise.charges.create({ amount: 400000, currency: 'THB', source: { ...SEED_SOURCE, barcode: '1234567891' } })).rejects.toMatchObject({ code: 'invalid_charge' });
  });

  it('should announce a refund as refund.create with the refund object in the Events API', async () => {
    const created = await charge('280000000000000001', 5000);
    const refund = await omise.charges.createRefund(created.id, { amount: 1200 });
    const list = await waitUntil(() => omise.events.list({ limit: 100, order: 'reverse_chronological' }), (l) => l.data.some((e: OmiseObject) => e.data.id === refund.id), 5000);
    const event = list.data.find((e: OmiseObject) => e.data.id === refund.id);
    expect(event).toMatchObject({ object: 'event', key: 'refund.create', data: { object: 'refund', id: refund.id, charge: created.id, amount: 1200, status: 'closed' } });
    expect(list.data.filter((e: OmiseObject) => e.key === 'charge.complete' && e.data.id === created.id)).toHaveLength(1);
    expect(await omise.events.retrieve(event.id)).toEqual(event);
  });

  it('should serve each final status as a charge.complete event through the Events API', async () => {
    const created = await charge('280000000000000001', 7777);
    const list = await waitUntil(() => omise.events.list({ limit: 100, order: 'reverse_chronological' }), (l) => l.data.some((e: OmiseObject) => e.data.id === created.id), 5000);
    const listed = list.data.find((e: OmiseObject) => e.data.id === created.id);
    expect(listed).toMatchObject({ object: 'event', key: 'charge.complete', livemode: false, data: { object: 'charge', id: created.id, status: 'successful', amount: 7777 } });
    expect(listed.id).toMatch(/^evnt_test_/);
    expect(await omise.events.retrieve(listed.id)).toEqual(listed);
  });
});
