import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAILURE_CODES, PAYMENT_STATUSES } from '@counterpay/core';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import { omiseChargeStatus, omiseFailureCode, toOmiseCharge } from './omise-charge-object.ts';
import { omiseEventFromOutbox, paymentAsOfEvent } from './omise-event-object.ts';
import { feesOf as omiseFees } from '@counterpay/core';
import { chargeId, eventIdOf, paymentIdOf, refundIdOf } from './omise-ids.ts';
import { toOmiseRefund } from './omise-objects.ts';

const RATES = { feeRateBps: 165, feeVatBps: 700 };

function payment(overrides: Partial<PaymentRow> = {}): PaymentRow {
  return {
    id: 'pay_0mabc123def456ghi789jkl0',
    merchant_id: 'mch_1',
    store_id: 'BJ_ZZ_001',
    terminal_id: 'T80001',
    operator_id: null,
    merchant_order_id: 'omise:1',
    status: 'processing',
    wallet: 'alipay',
    flow: 'barcode',
    amount: 400000,
    currency: 'THB',
    amount_refunded: 0,
    barcode_masked: '2800**********0001',
    qr_code: null,
    qr_url: null,
    expires_at: '2020-07-08T01:34:23.000Z',
    failure_code: null,
    failure_message: null,
    wallet_transaction_id: null,
    buyer_account: null,
    buyer_id: null,
    switched_from_wallet: null,
    description: null,
    metadata: '{}',
    notify_url: null,
    dialect: 'omise',
    dialect_data: JSON.stringify({ store_id: 'BJ_ZZ_001', store_name: 'Some Store', terminal_id: 'T80001' }),
    request_hash: 'h',
    livemode: 0,
    version: 1,
    created_at: '2020-07-07T01:34:23.456Z',
    updated_at: '2020-07-07T01:34:23.456Z',
    paid_at: null,
    closed_at: null,
    cancel_requested_at: null,
    ...overrides,
  };
}

function refund(overrides: Partial<RefundRow> = {}): RefundRow {
  return {
    id: 're_0mabc999def456ghi789jkl0',
    payment_id: 'pay_0mabc123def456ghi789jkl0',
    merchant_id: 'mch_1',
    amount: 100000,
    livemode: 0,
    currency: 'THB',
    status: 'succeeded',
    merchant_refund_id: null,
    reason: null,
    failure_code: null,
    failure_message: null,
    wallet_refund_id: 'w1',
    dialect: 'omise',
    dialect_data: JSON.stringify({ metadata: { reason: 'return' } }),
    notify_url: null,
    request_hash: 'h',
    version: 2,
    created_at: '2020-07-07T02:00:00.000Z',
    updated_at: '2020-07-07T02:00:01.000Z',
    succeeded_at: '2020-07-07T02:00:01.000Z',
    ...overrides,
  };
}

/** The shape of seed 003's charge example: every key, and for each leaf its JSON type. */
const SEED_CHARGE_SHAPE = {
  object: 'string', id: 'string', location: 'string', amount: 'number', net: 'number', fee: 'number', fee_vat: 'number',
  interest: 'number', interest_vat: 'number', funding_amount: 'number', refunded_amount: 'number', authorized: 'boolean',
  capturable: 'boolean', capture: 'boolean', disputable: 'boolean', livemode: 'boolean', refundable: 'boolean', reversed: 'boolean',
  reversible: 'boolean', voided: 'boolean', paid: 'boolean', expired: 'boolean',
  platform_fee: { fixed: 'null', amount: 'null', percentage: 'null' },
  currency: 'string', funding_currency: 'string', ip: 'null',
  refunds: { object: 'string', data: 'array', limit: 'number', offset: 'number', total: 'number', location: 'string', order: 'string', from: 'string', to: 'string' },
  link: 'null', description: 'null', metadata: {}, card: 'null',
  source: {
    object: 'string', id: 'string', livemode: 'boolean', location: 'string', amount: 'number', barcode: 'string', created_at: 'string',
    currency: 'string', email: 'null', flow: 'string', installment_term: 'null', name: 'null', mobile_number: 'null', phone_number: 'null',
    scannable_code: 'null',
    references: {
      expires_at: 'string', device_id: 'null', customer_amount: 'null', customer_currency: 'null', customer_exchange_rate: 'null',
      omise_tax_id: 'null', reference_number_1: 'null', reference_number_2: 'null', barcode: 'null', payment_code: 'null', va_code: 'null',
    },
    store_id: 'string', store_name: 'string', terminal_id: 'string', type: 'string', zero_interest_installments: 'null', charge_status: 'string',
  },
  schedule: 'null', customer: 'null', dispute: 'null', transaction: 'null', failure_code: 'null', failure_message: 'null', status: 'string',
  authorize_uri: 'null', return_uri: 'null', created_at: 'string', paid_at: 'null', expires_at: 'string', expired_at: 'null', reversed_at: 'null',
  zero_interest_installments: 'boolean', branch: 'null', terminal: 'null', device: 'null',
};

function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, shapeOf(v)]));
  return typeof value;
}

describe('Omise fees', () => {
  it('should match seed 003: 400000 at 1.65% and 7% VAT is fee 6600, fee_vat 462, net 392938', () => {
    expect(omiseFees(400000, RATES)).toEqual({ fee: 6600, fee_vat: 462, net: 392938 });
  });

  it('should round each step half up to a whole satang', () => {
    expect(omiseFees(1000, RATES)).toEqual({ fee: 17, fee_vat: 1, net: 982 }); // 16.5 → 17; 1.19 → 1
    expect(omiseFees(2030, RATES)).toEqual({ fee: 33, fee_vat: 2, net: 1995 }); // 33.495 → 33; 2.31 → 2
    expect(omiseFees(2000, { feeRateBps: 250, feeVatBps: 700 })).toEqual({ fee: 50, fee_vat: 4, net: 1946 }); // 3.5 → 4
  });

  it('should always split the amount exactly into fee, VAT and net', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15_000_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (amount, feeRateBps, feeVatBps) => {
        const { fee, fee_vat, net } = omiseFees(amount, { feeRateBps, feeVatBps });
        expect([fee, fee_vat, net].every(Number.isSafeInteger)).toBe(true);
        expect(fee + fee_vat + net).toBe(amount);
        expect(Math.abs(fee * 10_000 - amount * feeRateBps)).toBeLessThanOrEqual(5_000);
      }),
    );
  });
});

describe('Omise ids', () => {
  it('should derive Omise ids from counterpay ids and map them back', () => {
    expect(chargeId('pay_0mabc123')).toBe('chrg_test_0mabc123');
    expect(paymentIdOf('chrg_test_0mabc123')).toBe('pay_0mabc123');
    expect(refundIdOf('rfnd_test_0mx')).toBe('re_0mx');
    expect(eventIdOf('evnt_test_0my')).toBe('evt_0my');
  });

  it('should give live objects Omise\'s live ids (no test_) and map them back', () => {
    expect(chargeId('pay_0mabc', true)).toBe('chrg_0mabc');
    expect(paymentIdOf('chrg_0mabc')).toBe('pay_0mabc');
    expect(paymentIdOf(chargeId('pay_0mabc', false))).toBe('pay_0mabc');
  });

  it('should refuse ids that cannot be counterpay ids', () => {
    for (const id of ['chrg_', 'chrg_test_', 'chrg_test_ABC', 'chrg_test_a/b', 'pay_0mabc', `chrg_test_${'a'.repeat(65)}`]) expect(paymentIdOf(id)).toBeNull();
  });
});

describe('Omise charge object', () => {
  it('should have exactly the keys and value types of seed 003\'s pending charge', () => {
    const charge = toOmiseCharge(payment(), [], RATES, new Date('2020-07-07T01:34:23Z'));
    expect(shapeOf(charge)).toEqual(SEED_CHARGE_SHAPE);
    expect(charge).toMatchObject({
      id: 'chrg_test_0mabc123def456ghi789jkl0',
      location: '/charges/chrg_test_0mabc123def456ghi789jkl0',
      status: 'pending',
      created_at: '2020-07-07T01:34:23Z',
      expires_at: '2020-07-08T01:34:23Z',
      refunds: { object: 'list', location: '/charges/chrg_test_0mabc123def456ghi789jkl0/refunds', from: '1970-01-01T00:00:00Z', to: '2020-07-07T01:34:23Z', order: 'chronological', limit: 20 },
      source: { type: 'barcode_alipay', flow: 'offline', store_id: 'BJ_ZZ_001', store_name: 'Some Store', terminal_id: 'T80001', charge_status: 'pending' },
    });
  });

  it('should expire when the payment really does (its stored deadline), never at an invented time', () => {
    const deadline = '2020-07-07T01:35:23.456Z'; // the buyer-confirmation deadline the gateway enforces
    const charge = toOmiseCharge(payment({ expires_at: deadline, dialect_data: JSON.stringify({ expires_at: '2020-07-07T09:00:00.000Z' }) }), [], RATES);
    expect(charge.expires_at).toBe('2020-07-07T01:35:23Z');
    expect(charge.source.references.expires_at).toBe('2020-07-07T01:35:23Z');
    // A row of an earlier version keeps the estimate it stored; one with neither says nothing rather than a day.
    expect(toOmiseCharge(payment({ expires_at: null, dialect_data: JSON.stringify({ expires_at: '2020-07-07T01:35:23.000Z' }) }), [], RATES).expires_at).toBe('2020-07-07T01:35:23Z');
    expect(toOmiseCharge(payment({ expires_at: null, dialect_data: '{}' }), [], RATES).expires_at).toBeNull();
  });

  it('should render a paid, partly refunded charge as successful and still refundable', () => {
    const paid = payment({ status: 'succeeded', paid_at: '2020-07-07T01:34:25.000Z', amount_refunded: 100000 });
    const charge = toOmiseCharge(paid, [refund()], RATES, new Date('2020-07-08T00:00:00Z'));
    expect(charge).toMatchObject({ status: 'successful', paid: true, authorized: true, refundable: true, refunded_amount: 100000, paid_at: '2020-07-07T01:34:25Z', transaction: 'trxn_test_0mabc123def456ghi789jkl0' });
    expect(charge.refunds).toMatchObject({ total: 1, data: [{ object: 'refund', id: 'rfnd_test_0mabc999def456ghi789jkl0', amount: 100000, status: 'closed', metadata: { reason: 'return' } }] });
  });

  it('should stop being refundable when fully refunded or past 12 months', () => {
    const paid = payment({ status: 'succeeded', paid_at: '2020-07-07T01:34:25.000Z' });
    expect(toOmiseCharge({ ...paid, amount_refunded: 400000 }, [], RATES).refundable).toBe(false);
    expect(toOmiseCharge(paid, [], RATES, new Date('2021-07-08T00:00:00Z')).refundable).toBe(false);
  });

  it('should render a closed payment as an expired charge with its expiry time', () => {
    const closed = payment({ status: 'closed', failure_code: 'payment_cancelled', failure_message: 'cancelled', closed_at: '2020-07-07T01:35:00.000Z' });
    expect(toOmiseCharge(closed, [], RATES)).toMatchObject({ status: 'expired', expired: true, paid: false, expired_at: '2020-07-07T01:35:00Z', failure_code: 'payment_cancelled' });
  });

  it('should map every counterpay status and failure code (the mappings are exhaustive)', () => {
    expect(PAYMENT_STATUSES.map(omiseChargeStatus)).toEqual(['pending', 'successful', 'failed', 'expired']);
    const omiseCodes = ['payment_cancelled', 'failed_processing', 'insufficient_balance', 'payment_rejected', 'payment_expired'];
    for (const code of FAILURE_CODES) expect(omiseCodes).toContain(omiseFailureCode(code));
    expect(omiseFailureCode('barcode_expired')).toBe('payment_rejected');
    expect(omiseFailureCode('invalid_barcode')).toBe('payment_rejected');
    expect(omiseFailureCode(null)).toBeNull();
  });

  it('should survive dialect data and metadata that are not what it wrote', () => {
    const odd = payment({ dialect_data: 'not json', metadata: '[1,2]' });
    expect(toOmiseCharge(odd, [], RATES)).toMatchObject({ metadata: {}, source: { store_id: null, store_name: null, terminal_id: null } });
  });
});

describe('Omise refund and event objects', () => {
  it('should render a refund with every field of seed 003\'s example', () => {
    expect(Object.keys(toOmiseRefund(refund())).sort()).toEqual(
      ['object', 'id', 'location', 'livemode', 'voided', 'currency', 'amount', 'metadata', 'charge', 'transaction', 'status', 'funding_amount', 'funding_currency', 'created_at'].sort(),
    );
    expect(toOmiseRefund(refund({ status: 'processing' }))).toMatchObject({ status: 'pending', transaction: null });
  });

  it('should show the charge as it was when the event was written', () => {
    const now = payment({ status: 'succeeded', paid_at: '2020-07-07T01:34:25.000Z', amount_refunded: 100000 });
    const snapshot = { data: { object: { id: now.id, status: 'succeeded', amount_refunded: 0, failure_code: null, failure_message: null, paid_at: now.paid_at, closed_at: null } } };
    expect(paymentAsOfEvent(now, snapshot)).toMatchObject({ status: 'succeeded', amount_refunded: 0 });
    expect(paymentAsOfEvent(now, { data: { object: { id: 'pay_other', status: 'failed' } } })).toBe(now);
    expect(paymentAsOfEvent(now, null)).toBe(now);
    const event = omiseEventFromOutbox({ id: 'evt_0mzz', created_at: '2020-07-07T01:34:25.500Z', payload: snapshot }, now, [refund()], RATES);
    expect(event).toMatchObject({ object: 'event', id: 'evnt_test_0mzz', key: 'charge.complete', livemode: false, location: '/events/evnt_test_0mzz', created_at: '2020-07-07T01:34:25Z' });
    expect(event.data).toMatchObject({ object: 'charge', status: 'successful', refunded_amount: 0, refunds: { total: 0 } });
  });
});
