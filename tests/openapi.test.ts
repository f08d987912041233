import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/harness.ts';

/** `/openapi.json` (what `/docs` renders): the native API first, then each dialect under its own tag. */
describe('OpenAPI document', () => {
  let h: Harness;
  let doc: any;
  beforeAll(async () => {
    h = await startHarness('sqlite');
    doc = (await h.api('GET', '/openapi.json')).body;
  });
  afterAll(() => h?.close());

  const operation = (method: string, path: string) => doc.paths[path]?.[method];

  it('lists the native tags before the dialects', () => {
    const tags = doc.tags.map((t: { name: string }) => t.name);
    const dialects = tags.indexOf('PingPong v4');
    expect(tags.slice(0, 4)).toEqual(['payments', 'refunds', 'notifications', 'wallet accounts']);
    expect(tags.slice(4, dialects)).toContain('reconciliation');
    expect(tags.slice(dialects)).toEqual(['PingPong v4', 'ScanForPay', 'Omise']);
  });

  it.each([
    ['post', '/v4/payment/unifiedPay', 'PingPong v4'],
    ['post', '/v4/payment/query', 'PingPong v4'],
    ['post', '/v4/payment/refund', 'PingPong v4'],
    ['post', '/v4/refund/query', 'PingPong v4'],
    ['post', '/api/offline/pay', 'ScanForPay'],
    ['post', '/api/offline/create', 'ScanForPay'],
    ['post', '/api/common/payQuery', 'ScanForPay'],
    ['post', '/api/common/refund', 'ScanForPay'],
    ['post', '/charges', 'Omise'],
    ['post', '/charges/{id}/refunds', 'Omise'],
  ])('documents %s %s under %s with a summary, a request and an answer', (method, path, tag) => {
    const op = operation(method, path);
    expect(op, `${method} ${path}`).toBeDefined();
    expect(op.tags).toEqual([tag]);
    expect(op.summary).toBeTruthy();
    expect(op.requestBody.content['application/json'].schema.properties).toBeDefined();
    expect(op.responses['200'].content['application/json'].schema).toBeDefined();
  });

  it('shows the fields a merchant must send, with their names as the dialect spells them', () => {
    const unifiedPay = operation('post', '/v4/payment/unifiedPay').requestBody.content['application/json'].schema;
    expect(unifiedPay.required).toEqual(expect.arrayContaining(['accId', 'clientId', 'sign', 'bizContent']));
    const biz = unifiedPay.properties.bizContent.anyOf[0];
    expect(biz.required).toEqual(expect.arrayContaining(['merchantTransactionId', 'requestId', 'amount', 'currency', 'paymentMethod']));
    const sfpRefund = operation('post', '/api/common/refund').requestBody.content['application/json'].schema;
    expect(sfpRefund.properties.request.properties.body.required).toEqual(expect.arrayContaining(['partnerOrderNo', 'refundNo', 'orderAmount']));
    expect(operation('post', '/charges').security).toEqual([{ omiseBasic: [] }]);
  });

  it('documents the reconciliation reports with their schema', () => {
    for (const [method, path] of [['get', '/v1/reconciliation_reports'], ['post', '/v1/reconciliation_reports'], ['get', '/v1/reconciliation_reports/{id}'], ['get', '/v1/reconciliation_reports/{id}/settlement.csv']] as const) {
      expect(operation(method, path)?.tags).toEqual(['reconciliation']);
    }
    const report = operation('get', '/v1/reconciliation_reports/{id}').responses['200'].content['application/json'].schema;
    expect(Object.keys(report.properties)).toEqual(expect.arrayContaining(['date', 'matched', 'differences', 'gross', 'refunds', 'fees', 'net', 'by_store']));
    expect(report.properties.differences.items.properties.kind.enum).toEqual(['paid_at_wallet_only', 'missing_at_wallet', 'amount_mismatch', 'status_mismatch', 'refund_mismatch', 'late_success']);
  });

  it('keeps validating dialect requests in the dialect, not against the documentation', async () => {
    // A PingPong body the docs would call invalid still gets PingPong's own answer (HTTP 200, code 1xxxxx).
    const response = await fetch(`${h.url}/v4/payment/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"accId":"nobody"}' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { code: string }).code).toMatch(/^1\d{5}$/);
  });
});
