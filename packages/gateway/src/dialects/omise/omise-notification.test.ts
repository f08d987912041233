import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toPaymentObject, toRefundObject, type PaymentRow, type RefundRow } from '../../payments/objects.ts';
import { verifyNotification } from '@counterpay/core';
import type { NotificationContext } from '../../notifications/notification-format.ts';
import { NotificationFormats } from '../../notifications/format-registry.ts';
import { omiseNotification } from './omise-notification.ts';

const SECRET = 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw';

const paid: PaymentRow = {
  id: 'pay_0mabc123def456ghi789jkl0',
  merchant_id: 'mch_1',
  store_id: 'BJ_ZZ_001',
  terminal_id: 'T80001',
  operator_id: null,
  merchant_order_id: 'omise:1',
  status: 'succeeded',
  wallet: 'alipay',
  flow: 'barcode',
  amount: 400000,
  currency: 'THB',
  amount_refunded: 0,
  barcode_masked: '2800**********0001',
  qr_code: null,
  qr_url: null,
  expires_at: null,
  failure_code: null,
  failure_message: null,
  wallet_transaction_id: '2020070722001',
  buyer_account: null,
  buyer_id: null,
  switched_from_wallet: null,
  description: null,
  metadata: '{"order":"A-1"}',
  notify_url: null,
  dialect: 'omise',
  dialect_data: JSON.stringify({ store_id: 'BJ_ZZ_001', store_name: 'Some Store', terminal_id: 'T80001', expires_at: '2020-07-07T01:35:23.000Z' }),
  request_hash: 'h',
  livemode: 0,
  version: 2,
  created_at: '2020-07-07T01:34:23.000Z',
  updated_at: '2020-07-07T01:34:25.000Z',
  paid_at: '2020-07-07T01:34:25.000Z',
  closed_at: null,
  cancel_requested_at: null,
};

function context(payment: PaymentRow, secret = SECRET): NotificationContext {
  const type = payment.status === 'succeeded' ? 'payment.succeeded' : payment.status === 'failed' ? 'payment.failed' : 'payment.closed';
  return {
    event: { id: 'evt_0mev1', object: 'event', type, livemode: false, created_at: '2020-07-07T01:34:25.100Z', data: { object: toPaymentObject(payment) } },
    payment,
    refund: null,
    secret,
    account: null,
    merchant: { id: 'mch_1', name: 'Shop', defaultCurrency: 'THB', livemode: false, feeRateBps: 165, feeVatBps: 700 },
  };
}

describe('Omise notification format', () => {
  it('should be the format of payments made through the Omise dialect, for final payment events and refunds, and one a webhook endpoint may have', () => {
    const formats = new NotificationFormats().register(omiseNotification);
    expect(formats.formatFor('omise')).toBe(omiseNotification);
    expect([...omiseNotification.eventTypes].sort()).toEqual(['payment.closed', 'payment.failed', 'payment.succeeded', 'refund.succeeded']);
    expect(formats.endpointFormats().sort()).toEqual(['native', 'omise']);
    expect(omiseNotification.secretSource).toBe('webhook');
  });

  it('should post a charge.complete event with the charge inside', () => {
    const { body, headers } = omiseNotification.render(context(paid));
    const event = JSON.parse(body);
    expect(event).toMatchObject({
      object: 'event',
      id: 'evnt_test_0mev1',
      key: 'charge.complete',
      livemode: false,
      location: '/events/evnt_test_0mev1',
      created_at: '2020-07-07T01:34:25Z',
      data: { object: 'charge', id: 'chrg_test_0mabc123def456ghi789jkl0', status: 'successful', paid: true, amount: 400000, fee: 6600, fee_vat: 462, net: 392938, metadata: { order: 'A-1' } },
    });
    expect(headers['content-type']).toBe('application/json');
    expect(headers['counterpay-event-id']).toBe('evt_0mev1');
  });

  it('should render the charge as it was at the event, not as it is when delivered', () => {
    const laterRefunded = { ...paid, amount_refunded: 50000 };
    const ctx = { ...context(paid), payment: laterRefunded };
    expect(JSON.parse(omiseNotification.render(ctx).body).data).toMatchObject({ refunded_amount: 0, status: 'successful' });
  });

  it('should carry failed and expired charges with Omise failure codes', () => {
    const failed = { ...paid, status: 'failed' as const, paid_at: null, failure_code: 'barcode_expired' as const, failure_message: 'The payment code has expired.' };
    expect(JSON.parse(omiseNotification.render(context(failed)).body).data).toMatchObject({ status: 'failed', paid: false, failure_code: 'payment_rejected' });
    const closed = { ...paid, status: 'closed' as const, paid_at: null, closed_at: '2020-07-07T01:35:23.000Z', failure_code: 'payment_expired' as const, failure_message: 'expired' };
    expect(JSON.parse(omiseNotification.render(context(closed)).body).data).toMatchObject({ status: 'expired', expired: true, failure_code: 'payment_expired' });
  });

  it('should sign as Omise does (hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the base64-decoded secret)', () => {
    const { body, headers } = omiseNotification.render(context(paid));
    const timestamp = headers['omise-signature-timestamp']!;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
    const expected = createHmac('sha256', Buffer.from(SECRET, 'base64')).update(`${timestamp}.${body}`).digest('hex');
    expect(headers['omise-signature']).toBe(expected);
    expect(() => verifyNotification(body, headers['counterpay-signature'], SECRET)).not.toThrow();
  });

  it('should sign with both secrets while a rotated secret overlaps', () => {
    const { body, headers } = omiseNotification.render(context(paid, `${SECRET}\nwhsec_b2xkLXNlY3JldA`));
    const signatures = headers['omise-signature']!.split(',');
    expect(signatures).toHaveLength(2);
    const timestamp = headers['omise-signature-timestamp']!;
    expect(signatures[1]).toBe(createHmac('sha256', Buffer.from('whsec_b2xkLXNlY3JldA', 'base64')).update(`${timestamp}.${body}`).digest('hex'));
  });

  it('should announce a refund as Omise\'s refund.create event with the refund object inside, signed as Omise signs', () => {
    const refund: RefundRow = {
      id: 're_0mref1',
      payment_id: paid.id,
      merchant_id: 'mch_1',
      amount: 100000,
      currency: 'THB',
      status: 'succeeded',
      merchant_refund_id: null,
      reason: null,
      failure_code: null,
      failure_message: null,
      wallet_refund_id: 'w1',
      dialect: 'omise',
      dialect_data: JSON.stringify({ metadata: { reason: 'damaged' } }),
      notify_url: null,
      request_hash: 'h',
      livemode: 0,
      version: 2,
      created_at: '2020-07-07T02:00:00.000Z',
      updated_at: '2020-07-07T02:00:01.000Z',
      succeeded_at: '2020-07-07T02:00:01.000Z',
    };
    const ctx = { ...context(paid), refund, event: { id: 'evt_0mev2', object: 'event' as const, type: 'refund.succeeded', livemode: false, created_at: '2020-07-07T02:00:01.000Z', data: { object: toRefundObject(refund) } } };
    const { body, headers } = omiseNotification.render(ctx);
    expect(JSON.parse(body)).toEqual({
      object: 'event',
      id: 'evnt_test_0mev2',
      livemode: false,
      location: '/events/evnt_test_0mev2',
      key: 'refund.create',
      created_at: '2020-07-07T02:00:01Z',
      data: {
        object: 'refund',
        id: 'rfnd_test_0mref1',
        location: '/charges/chrg_test_0mabc123def456ghi789jkl0/refunds/rfnd_test_0mref1',
        livemode: false,
        voided: false,
        currency: 'THB',
        amount: 100000,
        metadata: { reason: 'damaged' },
        charge: 'chrg_test_0mabc123def456ghi789jkl0',
        transaction: 'trxn_test_0mref1',
        status: 'closed',
        funding_amount: 100000,
        funding_currency: 'THB',
        created_at: '2020-07-07T02:00:00Z',
      },
    });
    const timestamp = headers['omise-signature-timestamp']!;
    expect(headers['omise-signature']).toBe(createHmac('sha256', Buffer.from(SECRET, 'base64')).update(`${timestamp}.${body}`).digest('hex'));
  });

  it('should count any 2xx as acknowledged, and nothing else', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(omiseNotification.acknowledged(status, '')).toBe(true);
    for (const status of [100, 301, 304, 400, 404, 500, 503]) expect(omiseNotification.acknowledged(status, 'ok')).toBe(false);
  });
});
