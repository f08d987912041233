import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WalletError } from '@counterpay/core';
import { type Harness, startHarness } from './support/harness.ts';

/**
 * Everything that can fail in the Omise dialect answers an Omise error object
 * `{ object: 'error', location, code, message }` with Omise's HTTP status — never a native error,
 * never a stack, never a 5xx for bad input.
 */
describe('Omise dialect errors', () => {
  let h: Harness;
  let auth: string;
  let paidChargeId: string;

  beforeAll(async () => {
    h = await startHarness('sqlite');
    auth = `Basic ${Buffer.from(`${h.merchant.omise.secretKey}:`).toString('base64')}`;
    paidChargeId = (await send('POST', '/charges', { payload: { amount: 15_000_000, currency: 'THB', source: { type: 'barcode_alipay', barcode: '280000000000000001' } } })).json().id;
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function send(method: string, url: string, options: { payload?: unknown; contentType?: string; authorization?: string | null } = {}) {
    const headers: Record<string, string> = {};
    if (options.authorization !== null) headers.authorization = options.authorization ?? auth;
    if (options.contentType ?? options.payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const payload = options.payload === undefined ? undefined : typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload);
    return h.gateway.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
  }

  function expectOmiseError(response: Awaited<ReturnType<typeof send>>, status: number, code: string) {
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ object: 'error', location: `https://www.omise.co/api-errors#${code.replace(/_/g, '-')}`, code, message: expect.any(String) });
  }

  const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;

  it.each([
    ['no Authorization header', () => send('GET', '/charges', { authorization: null })],
    ['a Bearer token', () => send('GET', '/charges', { authorization: `Bearer ${h.merchant.omise.secretKey}` })],
    ['an unknown secret key', () => send('GET', '/charges', { authorization: basic('skey_test_unknown') })],
    ['the native API key (only omise keys open the Omise API)', () => send('GET', '/charges', { authorization: basic(h.merchant.secret_key) })],
    ['an unauthenticated charge', () => send('POST', '/charges', { authorization: null, payload: { amount: 400000 } })],
    ['an unauthenticated unknown path', () => send('GET', '/charges/x/y', { authorization: null })],
  ])('should refuse %s as authentication_failure (401)', async (_name, request) => {
    const response = await request();
    expectOmiseError(response, 401, 'authentication_failure');
    expect(response.headers['www-authenticate']).toBe('Basic realm="Omise"');
  });

  it.each([
    ['malformed JSON', () => send('POST', '/charges', { payload: '{"amount": 400000,' })],
    ['a JSON array', () => send('POST', '/charges', { payload: '[1,2]' })],
    ['a JSON string', () => send('POST', '/charges', { payload: '"THB"' })],
    ['an unknown list order', () => send('GET', '/charges?order=newest')],
    ['a negative offset', () => send('GET', '/events?offset=-5')],
    ['an invalid Idempotency-Key', () => h.gateway.app.inject({ method: 'POST', url: '/charges', headers: { authorization: auth, 'content-type': 'application/json', 'idempotency-key': 'x'.repeat(300) }, payload: '{}' })],
  ])('should refuse %s as bad_request (400)', async (_name, request) => {
    expectOmiseError(await request(), 400, 'bad_request');
  });

  it('should refuse a body above 64 KiB as bad_request (413)', async () => {
    expectOmiseError(await send('POST', '/charges', { payload: JSON.stringify({ amount: 400000, description: 'x'.repeat(70_000) }) }), 413, 'bad_request');
  });

  it.each([
    ['an unknown charge', () => send('GET', '/charges/chrg_test_0nothing0')],
    ['a charge id of another shape', () => send('GET', '/charges/ch_123')],
    ['refunds of an unknown charge', () => send('POST', '/charges/chrg_test_0nothing0/refunds', { payload: { amount: 100 } })],
    ['an unknown refund', () => send('GET', `/charges/${paidChargeId}/refunds/rfnd_test_0nothing0`)],
    ['an unknown event', () => send('GET', '/events/evnt_test_0nothing0')],
    ['an unknown path under /charges', () => send('GET', `/charges/${paidChargeId}/events`)],
    ['an unknown method on /charges', () => send('DELETE', '/charges')],
    ['an unknown method on a charge', () => send('PUT', `/charges/${paidChargeId}`, { payload: {} })],
    ['an unknown path under /events', () => send('POST', '/events/evnt_test_1/replay')],
  ])('should answer %s as not_found (404)', async (_name, request) => {
    expectOmiseError(await request(), 404, 'not_found');
  });

  it('should refuse Omise operations an Alipay barcode charge does not have', async () => {
    expectOmiseError(await send('POST', `/charges/${paidChargeId}/capture`), 400, 'failed_capture');
    expectOmiseError(await send('POST', `/charges/${paidChargeId}/reverse`), 400, 'bad_request');
    expectOmiseError(await send('PATCH', `/charges/${paidChargeId}`, { payload: { description: 'x' } }), 400, 'bad_request');
  });

  it('should refuse refunds the charge does not allow as failed_refund', async () => {
    expectOmiseError(await send('POST', `/charges/${paidChargeId}/refunds`, { payload: { amount: 15_000_001 } }), 400, 'failed_refund');
    expectOmiseError(await send('POST', `/charges/${paidChargeId}/refunds`, { payload: { amount: -1 } }), 400, 'failed_refund');
    expectOmiseError(await send('POST', `/charges/${paidChargeId}/refunds`, { payload: 'amount=abc', contentType: 'application/x-www-form-urlencoded' }), 400, 'failed_refund');
  });

  it('should refuse form fields that shadow toString/valueOf with a 400, not a crash', async () => {
    for (const payload of ['amount[toString]=1&amount[valueOf]=2&currency=THB', 'amount=400000&currency[toString]=x&currency[valueOf]=y', 'amount=400000&currency=THB&source[type]=barcode_alipay&source[barcode][toString]=1&source[barcode][valueOf]=2']) {
      expectOmiseError(await send('POST', '/charges', { payload, contentType: 'application/x-www-form-urlencoded' }), 400, 'invalid_charge');
    }
  });

  it('should answer a wallet outage as Omise\'s backend_error', async () => {
    vi.spyOn(h.gateway.services.payments, 'createBarcodePayment').mockRejectedValueOnce(new WalletError('wallet_unreachable', 'connect ECONNREFUSED 127.0.0.1:8090'));
    const response = await send('POST', '/charges', { payload: { amount: 400000, currency: 'THB', source: { type: 'barcode_alipay', barcode: '280000000000000001' } } });
    expectOmiseError(response, 400, 'backend_error');
    expect(response.body).not.toContain('ECONNREFUSED');
  });

  it('should answer an unexpected failure as internal_error (500) without any detail or stack', async () => {
    vi.spyOn(h.gateway.services.payments, 'createBarcodePayment').mockRejectedValueOnce(new TypeError('cannot read properties of undefined (reading \'secret\') at /srv/payment-store.ts:42'));
    const response = await send('POST', '/charges', { payload: { amount: 400000, currency: 'THB', source: { type: 'barcode_alipay', barcode: '280000000000000001' } } });
    expectOmiseError(response, 500, 'internal_error');
    expect(response.body).not.toMatch(/secret|payment-store|stack|TypeError/);
  });

  it('should answer 2,000 random or mutated requests with Omise objects, and never a 5xx', async () => {
    const valid = { amount: 400000, currency: 'THB', source: { type: 'barcode_alipay', barcode: '280000000000000003', store_id: 'S1', store_name: 'Shop', terminal_id: 'T1' } };
    const formKey = fc.constantFrom('amount', 'currency', 'source', 'source[type]', 'source[barcode]', 'source[store_id]', 'source[]', 'metadata[a][b]', '__proto__[x]', 'amount[toString]', 'description', '[]', 'a]b[');
    const formBody = fc.array(fc.tuple(formKey, fc.oneof(fc.string(), fc.constantFrom('400000', 'THB', 'barcode_alipay', '280000000000000003', '1e5', '-1'))), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString());
    const chargeBody = fc.oneof(
      fc.string(),
      fc.json(),
      formBody,
      fc.record({ amount: fc.oneof(fc.integer(), fc.string(), fc.double(), fc.constant(null)), currency: fc.oneof(fc.constant('THB'), fc.string()), source: fc.oneof(fc.object(), fc.string(), fc.record({ type: fc.string(), barcode: fc.string() })) }).map((v) => JSON.stringify(v)),
      fc.constantFrom(...(Object.keys(valid) as Array<keyof typeof valid>)).chain((key) => fc.anything().map((value) => JSON.stringify({ ...valid, [key]: value }))),
      fc.constantFrom('type', 'barcode', 'store_id', 'store_name', 'terminal_id').chain((key) => fc.anything().map((value) => JSON.stringify({ ...valid, source: { ...valid.source, [key]: value } }))),
    );
    const path = fc.oneof(
      fc.constant('/charges'),
      fc.constant(`/charges/${paidChargeId}/refunds`),
      fc.constant(`/charges/${paidChargeId}/expire`),
      fc.string().map((s) => `/charges/${encodeURIComponent(s)}`),
      fc.string().map((s) => `/charges/${encodeURIComponent(s)}/refunds`),
      fc.string().map((s) => `/events/${encodeURIComponent(s)}`),
      fc.dictionary(fc.constantFrom('limit', 'offset', 'order', 'from', 'to'), fc.oneof(fc.string(), fc.integer().map(String))).map((q) => `/charges?${new URLSearchParams(q)}`),
      fc.dictionary(fc.constantFrom('limit', 'offset', 'order', 'from', 'to'), fc.string()).map((q) => `/events?${new URLSearchParams(q)}`),
    );
    const request = fc.record({
      method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PATCH', 'DELETE'),
      path,
      body: chargeBody,
      contentType: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-8', 'multipart/form-data; boundary=x'),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path: url, body, contentType }) => {
        const response = await h.gateway.app.inject({ method: method as 'POST', url, headers: { authorization: auth, 'content-type': contentType }, ...(method === 'GET' ? {} : { payload: body }) });
        const context = `${method} ${url} ${contentType} ${body} → ${response.statusCode} ${response.body}`;
        expect(response.statusCode, context).toBeLessThan(500);
        const answer = response.json();
        expect(['error', 'charge', 'refund', 'list', 'event'], context).toContain(answer.object);
        if (response.statusCode >= 400) {
          expect(answer, context).toEqual({ object: 'error', location: expect.stringMatching(/^https:\/\/www\.omise\.co\/api-errors#/), code: expect.any(String), message: expect.any(String) });
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
    );
  }, 120_000);
});
