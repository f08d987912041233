import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateError } from './errors.ts';
import { MAX_AMOUNT_MINOR } from './money.ts';
import { PAYMENT_STATUSES, type PaymentStatus, canHaveLateSuccess, canTransitionPayment, isLateSuccessPolicy, lateSuccessTransition, paymentTransition } from './payment-state.ts';
import { type RefundRequestFacts, checkRefund } from './refund-rules.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const PAID_AT = new Date('2026-03-01T11:59:58.000Z');
const late = (over: Partial<RefundRequestFacts> = {}): RefundRequestFacts => ({
  paymentStatus: 'closed',
  paidAt: PAID_AT,
  amountPaid: 0,
  reserved: 0,
  requested: undefined,
  now: NOW,
  lateCharge: 880,
  ...over,
});

function refusalCode(facts: RefundRequestFacts): string {
  try {
    checkRefund(facts);
  } catch (error) {
    if (error instanceof StateError) return error.code;
    throw error;
  }
  throw new Error('expected the refund to be refused');
}

describe('late success: the state machine', () => {
  it('only a closed or failed payment can have one', () => {
    expect(PAYMENT_STATUSES.filter(canHaveLateSuccess)).toEqual(['failed', 'closed']);
  });

  it('moves closed and failed to succeeded with the wallet\'s payment time, clearing the failure and close time', () => {
    for (const from of ['closed', 'failed'] as const) {
      expect(lateSuccessTransition(from, NOW, PAID_AT)).toEqual({ status: 'succeeded', failure_code: null, failure_message: null, paid_at: PAID_AT.toISOString(), closed_at: null });
    }
    expect(lateSuccessTransition('closed', NOW, null).paid_at).toBe(NOW.toISOString());
  });

  it('refuses it from processing or succeeded', () => {
    for (const from of ['processing', 'succeeded'] as const) {
      expect(() => lateSuccessTransition(from, NOW, PAID_AT)).toThrow(StateError);
    }
  });

  it('leaves the ordinary machine alone: no wallet answer reopens a closed or failed payment', () => {
    for (const from of ['closed', 'failed'] as PaymentStatus[]) {
      for (const to of PAYMENT_STATUSES) expect(canTransitionPayment(from, to)).toBe(false);
      expect(() => paymentTransition(from, 'succeeded', NOW)).toThrow(StateError);
    }
  });

  it('knows the two policies and nothing else', () => {
    expect(isLateSuccessPolicy('refund')).toBe(true);
    expect(isLateSuccessPolicy('accept')).toBe(true);
    for (const other of ['refunded', 'ACCEPT', '', null, undefined, 1]) expect(isLateSuccessPolicy(other)).toBe(false);
  });
});

describe('late success: the refund rules', () => {
  it('a closed or failed payment with a late charge refunds exactly that charge by default', () => {
    expect(checkRefund(late())).toBe(880);
    expect(checkRefund(late({ paymentStatus: 'failed', lateCharge: 881 }))).toBe(881);
  });

  it('refuses more than the late charge, and anything once it is refunded', () => {
    expect(refusalCode(late({ requested: 881 }))).toBe('refund_exceeds_amount_paid');
    expect(refusalCode(late({ reserved: 880 }))).toBe('payment_fully_refunded');
    expect(refusalCode(late({ reserved: 800, requested: 81 }))).toBe('refund_exceeds_payment');
    expect(checkRefund(late({ reserved: 800 }))).toBe(80);
  });

  it('without a late charge a closed or failed payment is still not refundable', () => {
    for (const lateCharge of [null, undefined, 0]) expect(refusalCode(late({ lateCharge }))).toBe('payment_not_refundable');
  });

  it('a late charge on a payment that is not closed or failed changes nothing', () => {
    expect(refusalCode(late({ paymentStatus: 'processing' }))).toBe('payment_not_refundable');
    // A succeeded payment (a late success accepted) refunds what it was paid, as any other.
    expect(checkRefund(late({ paymentStatus: 'succeeded', amountPaid: 1000, lateCharge: 880 }))).toBe(1000);
  });

  it('property: refunds of a late charge, however split, never exceed it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_AMOUNT_MINOR }),
        fc.array(fc.option(fc.integer({ min: 1, max: MAX_AMOUNT_MINOR }), { nil: undefined }), { maxLength: 12 }),
        fc.constantFrom<PaymentStatus>('closed', 'failed'),
        (charge, requests, status) => {
          let reserved = 0;
          for (const requested of requests) {
            try {
              const amount = checkRefund(late({ paymentStatus: status, lateCharge: charge, reserved, requested }));
              expect(Number.isInteger(amount) && amount > 0).toBe(true);
              reserved += amount;
            } catch (error) {
              if (!(error instanceof StateError)) throw error;
            }
            expect(reserved).toBeLessThanOrEqual(charge);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
