import { describe, expect, it } from 'vitest';
import { AuthenticationError, NotFoundError, StateError, ValidationError, WalletError } from '@counterpay/core';
import { secretKeyFrom } from './omise-auth.ts';
import { nestBracketKeys, readOmiseBody } from './omise-body.ts';
import { OmiseError, translateToOmise } from './omise-errors.ts';
import { readChargeRequest, readIdempotencyKey, readListQuery, readRefundRequest } from './omise-requests.ts';

const SEED_FORM = 'amount=400000&currency=THB&source[type]=barcode_alipay&source[barcode]=280000000000000001&source[store_id]=BJ_ZZ_001&source[store_name]=Some+Store&source[terminal_id]=T80001';

function refusal(read: () => unknown): { code: string; message: string; status: number } {
  try {
    read();
  } catch (error) {
    if (error instanceof OmiseError) return { code: error.code, message: error.message, status: error.statusCode };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Omise request bodies', () => {
  it('should read seed 003\'s form-encoded charge as the nested object JSON clients send', () => {
    expect(readOmiseBody(SEED_FORM, 'application/x-www-form-urlencoded')).toEqual({
      amount: '400000',
      currency: 'THB',
      source: { type: 'barcode_alipay', barcode: '280000000000000001', store_id: 'BJ_ZZ_001', store_name: 'Some Store', terminal_id: 'T80001' },
    });
  });

  it('should never write through __proto__ or constructor keys', () => {
    const body = nestBracketKeys(new URLSearchParams('__proto__[polluted]=1&source[__proto__][x]=1&constructor[prototype][y]=2&a[b]=1&a[b][c]=2'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(body).toEqual({ a: { b: { c: '2' } } });
  });

  it('should read JSON (also empty) and refuse anything else as bad_request', () => {
    expect(readOmiseBody('{"amount":1}', 'application/json')).toEqual({ amount: 1 });
    expect(readOmiseBody('', 'application/json')).toEqual({});
    expect(refusal(() => readOmiseBody('{"amount":', 'application/json'))).toMatchObject({ code: 'bad_request', status: 400 });
    expect(refusal(() => readOmiseBody('[1]', undefined))).toMatchObject({ code: 'bad_request' });
  });
});

describe('Omise charge requests', () => {
  const valid = { amount: 400000, currency: 'THB', source: { type: 'barcode_alipay', barcode: '280000000000000001' } };

  it('should read a charge with amounts as numbers or digits, currency in any case, and a trimmed barcode', () => {
    expect(readChargeRequest({ ...valid, amount: '400000', currency: 'thb', source: { ...valid.source, barcode: '280000000000000001\r\n', store_id: 7 } })).toEqual({
      amount: 400000,
      barcode: '280000000000000001',
      storeId: '7',
      storeName: null,
      terminalId: null,
      description: null,
      metadata: {},
    });
    expect(readChargeRequest({ ...valid, metadata: { order_id: 123, gift: true, note: 'x' } }).metadata).toEqual({ order_id: '123', gift: 'true', note: 'x' });
  });

  it('should take seed 003\'s example barcode (1234567890) in test mode as the test code that succeeds at once, and refuse it in live mode', () => {
    const seedExample = { ...valid, source: { ...valid.source, barcode: '1234567890' } };
    expect(readChargeRequest(seedExample, { livemode: false }).barcode).toBe('280000000000000001');
    expect(refusal(() => readChargeRequest(seedExample, { livemode: true }))).toMatchObject({ code: 'invalid_charge', message: 'source barcode is not a valid Alipay payment code' });
    expect(refusal(() => readChargeRequest({ ...valid, source: { ...valid.source, barcode: '1234567891' } }, { livemode: false }))).toMatchObject({ code: 'invalid_charge' });
  });

  it('should enforce the THB limits of seed 003 (2000 to 15000000 satang)', () => {
    expect(readChargeRequest({ ...valid, amount: 2000 }).amount).toBe(2000);
    expect(readChargeRequest({ ...valid, amount: 15_000_000 }).amount).toBe(15_000_000);
    expect(refusal(() => readChargeRequest({ ...valid, amount: 1999 }))).toMatchObject({ code: 'invalid_charge', message: 'amount must be at least 2000 (THB 20.00)' });
    expect(refusal(() => readChargeRequest({ ...valid, amount: 15_000_001 }))).toMatchObject({ code: 'invalid_charge', message: 'amount must be at most 15000000 (THB 150,000.00)' });
  });

  it.each([
    [{ ...valid, amount: undefined }, 'amount is required'],
    [{ ...valid, amount: 4000.5 }, 'amount must be an integer'],
    [{ ...valid, amount: { toString: '1' } }, 'amount must be an integer'],
    [{ ...valid, currency: 'USD' }, 'currency is currently not supported'],
    [{ ...valid, currency: undefined }, 'currency is required'],
    [{ ...valid, source: undefined }, 'source is required'],
    [{ ...valid, source: 'src_test_123' }, 'source must be given with the charge (source[type], source[barcode]); stored sources are not supported'],
    [{ ...valid, source: { ...valid.source, type: 'barcode_wechat' } }, 'source type is not supported (only barcode_alipay is)'],
    [{ ...valid, source: { barcode: '280000000000000001' } }, 'source type is required'],
    [{ ...valid, source: { ...valid.source, barcode: '130000000000000001' } }, 'source barcode is a WeChat Pay payment code; only barcode_alipay is supported'],
    [{ ...valid, source: { ...valid.source, barcode: '1234567890' } }, 'source barcode is not a valid Alipay payment code'],
    [{ ...valid, source: { ...valid.source, barcode: undefined } }, 'source barcode is required'],
    [{ ...valid, source: { ...valid.source, store_id: 'x'.repeat(33) } }, 'source store_id is too long (maximum is 32 characters)'],
    [{ ...valid, metadata: [1] }, 'metadata must be an object'],
    [{ ...valid, metadata: { order: { id: 1 } } }, 'metadata values must be strings, numbers or booleans'],
    [{ ...valid, metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata can have at most 20 keys'],
  ])('should refuse %j as invalid_charge: %s', (body, message) => {
    expect(refusal(() => readChargeRequest(body as Record<string, unknown>))).toEqual({ code: 'invalid_charge', message, status: 400 });
  });

  it('should read refunds (amount optional: everything left) and refuse bad amounts as failed_refund', () => {
    expect(readRefundRequest({ amount: '100000' })).toEqual({ amount: 100000, metadata: {} });
    expect(readRefundRequest({})).toEqual({ amount: undefined, metadata: {} });
    expect(refusal(() => readRefundRequest({ amount: 0 }))).toMatchObject({ code: 'failed_refund' });
    expect(refusal(() => readRefundRequest({ amount: 'all' }))).toMatchObject({ code: 'failed_refund' });
  });
});

describe('Omise list parameters and headers', () => {
  it('should default to the first 20, oldest first, and cap limit at 100', () => {
    expect(readListQuery({})).toEqual({ limit: 20, offset: 0, order: 'chronological', from: null, to: null });
    expect(readListQuery({ limit: '500', offset: '3', order: 'reverse_chronological', from: '2020-07-07', to: '2020-07-08T00:00:00Z' })).toEqual({
      limit: 100,
      offset: 3,
      order: 'reverse_chronological',
      from: '2020-07-07T00:00:00.000Z',
      to: '2020-07-08T00:00:00.000Z',
    });
  });

  it.each([{ limit: 'ten' }, { offset: '-1' }, { order: 'newest' }, { from: 'yesterday' }, { from: '2020-07-08', to: '2020-07-07' }, { limit: ['1', '2'] }])(
    'should refuse %j as bad_request',
    (query) => {
      expect(refusal(() => readListQuery(query))).toMatchObject({ code: 'bad_request', status: 400 });
    },
  );

  it('should take the secret key from Basic auth as curl -u and the official client send it', () => {
    expect(secretKeyFrom(`Basic ${Buffer.from('skey_test_abc:').toString('base64')}`)).toBe('skey_test_abc');
    expect(secretKeyFrom(`basic ${Buffer.from('skey_test_abc:ignored').toString('base64')}`)).toBe('skey_test_abc');
    for (const header of [undefined, '', 'Bearer skey_test_abc', 'Basic', `Basic ${Buffer.from(':').toString('base64')}`, 'Basic !!!']) expect(secretKeyFrom(header)).toBeNull();
  });

  it('should accept a printable Idempotency-Key of up to 255 characters', () => {
    expect(readIdempotencyKey(undefined)).toBeUndefined();
    expect(readIdempotencyKey('order-42 retry')).toBe('order-42 retry');
    expect(refusal(() => readIdempotencyKey('x'.repeat(256)))).toMatchObject({ code: 'bad_request' });
    expect(refusal(() => readIdempotencyKey(' '))).toMatchObject({ code: 'bad_request' });
  });
});

describe('Omise error translation', () => {
  it('should answer counterpay errors with the Omise code of what was attempted', () => {
    expect(translateToOmise(new AuthenticationError(), 'read')).toEqual({ status: 401, code: 'authentication_failure', message: 'authentication failed' });
    expect(translateToOmise(new NotFoundError('payment', 'pay_1'), 'refund')).toMatchObject({ status: 404, code: 'not_found' });
    expect(translateToOmise(new StateError('refund_exceeds_payment', 'too much'), 'refund')).toMatchObject({ status: 400, code: 'failed_refund' });
    expect(translateToOmise(new StateError('payment_not_cancellable', 'no'), 'expire')).toMatchObject({ status: 400, code: 'failed_expire' });
    expect(translateToOmise(new ValidationError('invalid_barcode', 'bad code'), 'charge')).toEqual({ status: 400, code: 'invalid_charge', message: 'bad code' });
    expect(translateToOmise(new WalletError('wallet_unreachable', 'down'), 'charge')).toMatchObject({ status: 400, code: 'backend_error' });
  });

  it('should answer framework errors as bad_request and anything unexpected as internal_error without details', () => {
    expect(translateToOmise(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), 'charge')).toMatchObject({ status: 413, code: 'bad_request' });
    expect(translateToOmise(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', statusCode: 400 }), 'charge')).toMatchObject({ status: 400, code: 'bad_request' });
    expect(translateToOmise(new TypeError('secret detail'), 'charge')).toEqual({ status: 500, code: 'internal_error', message: 'internal server error' });
  });
});
