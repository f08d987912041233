import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';
import { waitUntil } from './support/wait.ts';

/** Every bad request gets a 4xx in the native error shape and changes nothing (no payment, no charge). */
describe('bad input to the native API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite');
  });
  afterAll(async () => {
    await h?.close();
  });

  const valid = { amount: 100, currency: 'CNY', merchant_order_id: 'bad-input', barcode: '280000000000000001' };

  async function expectRejected(status: number, code: string | RegExp, send: () => Promise<{ status: number; body: any }>, param?: string) {
    const before = await h.db.selectFrom('payments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const chargesBefore = (await h.ledger()).charges.length;
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: expect.objectContaining({ type: expect.any(String), code: expect.any(String), message: expect.any(String) }) });
    expect(response.body.error.code).toMatch(code);
    expect(JSON.stringify(response.body)).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
    if (param) expect(response.body.error.param).toBe(param);
    const after = await h.db.selectFrom('payments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect((await h.ledger()).charges.length).toBe(chargesBefore);
  }

  it('rejects malformed JSON', () => expectRejected(400, 'invalid_json', () => h.api('POST', '/v1/payments', '{"amount": 100,')));
  it('rejects an empty JSON body', () => expectRejected(400, /invalid_json|parameter_missing|invalid_request/, () => h.api('POST', '/v1/payments', '')));
  it('rejects a string amount', () => expectRejected(400, 'parameter_invalid', () => h.api('POST', '/v1/payments', { ...valid, amount: '100' }), 'amount'));
  it('rejects a fractional amount (too many decimals for minor units)', () =>
    expectRejected(400, 'parameter_invalid', () => h.api('POST', '/v1/payments', { ...valid, amount: 1.5 }), 'amount'));
  it('rejects a missing currency', () => {
    const { currency: _omit, ...rest } = valid;
    return expectRejected(400, 'parameter_missing', () => h.api('POST', '/v1/payments', rest), 'currency');
  });
  it('rejects a missing barcode', () => {
    const { barcode: _omit, ...rest } = valid;
    return expectRejected(400, 'parameter_missing', () => h.api('POST', '/v1/payments', rest), 'barcode');
  });
  it('rejects an unknown currency', () => expectRejected(400, 'invalid_currency', () => h.api('POST', '/v1/payments', { ...valid, currency: 'XYZ' }), 'currency'));
  it('rejects a zero amount', () => expectRejected(400, 'invalid_amount', () => h.api('POST', '/v1/payments', { ...valid, amount: 0 }), 'amount'));
  it('rejects a negative amount', () => expectRejected(400, 'invalid_amount', () => h.api('POST', '/v1/payments', { ...valid, amount: -5 }), 'amount'));
  it('rejects an amount over the limit', () =>
    expectRejected(400, 'amount_too_large', () => h.api('POST', '/v1/payments', { ...valid, amount: 100_000_000_001 }), 'amount'));
  it('rejects a barcode of the wrong shape without calling a wallet', async () => {
    const callsBefore = await h.db.selectFrom('wallet_calls').selectAll().execute();
    await expectRejected(400, 'invalid_barcode', () => h.api('POST', '/v1/payments', { ...valid, barcode: '990000000000000001' }), 'barcode');
    await expectRejected(400, 'invalid_barcode', () => h.api('POST', '/v1/payments', { ...valid, barcode: '28000000000000000a' }), 'barcode');
    expect(await h.db.selectFrom('wallet_calls').selectAll().execute()).toHaveLength(callsBefore.length);
  });
  it('rejects unknown fields', () => expectRejected(400, 'parameter_unknown', () => h.api('POST', '/v1/payments', { ...valid, amout: 5 }), 'amout'));
  it('names a missing or unknown parameter in plain words', async () => {
    const { currency: _omit, ...rest } = valid;
    expect((await h.api('POST', '/v1/payments', rest)).body.error.message).toBe('currency is required.');
    expect((await h.api('POST', '/v1/payments', { ...valid, amout: 5 })).body.error.message).toBe('amout is not a parameter of this request.');
  });
  it('rejects a 2 MiB body', () =>
    expectRejected(413, 'body_too_large', () => h.api('POST', '/v1/payments', { ...valid, description: 'x'.repeat(2 * 1024 * 1024) })));
  it('rejects a wrong API key', () =>
    expectRejected(401, 'invalid_api_key', () => h.api('POST', '/v1/payments', valid, { authorization: 'Bearer sk_test_wrong' })));
  it('rejects a missing API key', () => expectRejected(401, 'missing_api_key', () => h.api('POST', '/v1/payments', valid, { authorization: '' })));
  it('rejects a body that is not JSON', () =>
    expectRejected(415, 'unsupported_media_type', () => h.api('POST', '/v1/payments', 'amount=100', { 'content-type': 'text/plain' })));
  it('takes a cancel and a refund with no body at all, or an empty JSON body, as {}; a repeated cancel answers the same', async () => {
    const post = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${h.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${h.merchant.secret_key}`, ...headers } }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const { body: waiting } = await h.api('POST', '/v1/payments', { ...valid, merchant_order_id: `nobody-${Date.now()}`, barcode: '280000000000000005', wait_seconds: 0 });
    const cancelled = await post(`/v1/payments/${waiting.id}/cancel`);
    expect(cancelled.status).toBe(200);
    const final = await waitUntil(() => h.api('GET', `/v1/payments/${waiting.id}`).then((r) => r.body), (p) => p.status !== 'processing', 10_000);
    expect(final).toMatchObject({ status: 'closed', failure_code: 'payment_cancelled' });
    const again = await post(`/v1/payments/${waiting.id}/cancel`, { 'content-type': 'application/json', 'content-length': '0' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: waiting.id, status: 'closed', failure_code: 'payment_cancelled' });

    const { body: paid } = await h.api('POST', '/v1/payments', { ...valid, merchant_order_id: `nobody-${Date.now()}-paid` });
    const refund = await post(`/v1/payments/${paid.id}/refunds`);
    expect(refund.body).toMatchObject({ object: 'refund', amount: paid.amount });
    // A payment that succeeded without a cancel still cannot be cancelled.
    expect((await post(`/v1/payments/${paid.id}/cancel`)).body.error.code).toBe('payment_not_cancellable');
  });

  it('says in plain words what a list parameter must be, refuses an unknown cursor, and names the payment holding a reused order id', async () => {
    const limit = await h.api('GET', '/v1/payments?limit=500');
    expect(limit.body.error).toMatchObject({ code: 'parameter_invalid', param: 'limit', message: 'limit must be a whole number from 1 to 100.' });
    const status = await h.api('GET', '/v1/payments?status=paid');
    expect(status.body.error.message).toBe('status must be one of: processing, succeeded, failed, closed.');
    const cursor = await h.api('GET', '/v1/payments?starting_after=pay_nothing');
    expect(cursor.body.error).toMatchObject({ code: 'parameter_invalid', param: 'starting_after' });
    const order = `reused-${Date.now()}`;
    const { body: first } = await h.api('POST', '/v1/payments', { ...valid, merchant_order_id: order });
    const reused = await h.api('POST', '/v1/payments', { ...valid, merchant_order_id: order, amount: 101 });
    expect(reused.status).toBe(409);
    expect(reused.body.error.message).toContain(first.id);
    expect(reused.body.error.message).toContain('new order id');
  });

  it('answers 404 in the error shape for an unknown payment and route', async () => {
    const missing = await h.api('GET', '/v1/payments/pay_doesnotexist');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('resource_missing');
    const route = await h.api('GET', '/v1/nothing-here');
    expect(route.status).toBe(404);
    expect(route.body.error.type).toBe('invalid_request_error');
  });
  it('rejects a refund amount of the wrong type', async () => {
    const { body } = await h.api('POST', '/v1/payments', { ...valid, merchant_order_id: 'refund-type' });
    const response = await h.api('POST', `/v1/payments/${body.id}/refunds`, { amount: '10' });
    expect(response.status).toBe(400);
    expect(response.body.error.param).toBe('amount');
  });
  it('serves OpenAPI, docs, health and metrics', async () => {
    const openapi = await h.api('GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/v1/payments', '/v1/payments/{id}', '/v1/payments/{id}/refunds', '/v1/refunds/{id}']));
    expect((await fetch(`${h.url}/docs`)).status).toBe(200);
    expect((await h.api('GET', '/healthz')).body).toMatchObject({ status: 'ok' });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('counterpay_http_request_duration_seconds');
  });
});
