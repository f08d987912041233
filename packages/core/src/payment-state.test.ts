import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateError } from './errors.ts';
import {
  FAILURE_CODES,
  type FailureCode,
  PAYMENT_STATUSES,
  type PaymentStatus,
  REFUND_STATUSES,
  type RefundStatus,
  assertPaymentTransition,
  assertRefundTransition,
  canTransitionPayment,
  canTransitionRefund,
  failureMessage,
  isFinalPaymentStatus,
  paymentTransition,
  refundableAmount,
} from './payment-state.ts';

const FINAL_PAYMENT_STATUSES: readonly PaymentStatus[] = ['succeeded', 'failed', 'closed'];
const FINAL_REFUND_STATUSES = ['succeeded', 'failed'] as const;
const paymentStatus = fc.constantFrom(...PAYMENT_STATUSES);
const finalPaymentStatus = fc.constantFrom('succeeded', 'failed', 'closed') as fc.Arbitrary<Exclude<PaymentStatus, 'processing'>>;
const refundStatus = fc.constantFrom(...REFUND_STATUSES);
const failureCode = fc.constantFrom(...FAILURE_CODES);
const instant = fc.date({ noInvalidDate: true, min: new Date('2000-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z') });

function stateError(fn: () => unknown): StateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StateError);
    return error as StateError;
  }
  throw new Error('expected a StateError, nothing was thrown');
}

describe('payment state machine', () => {
  it('has the statuses and failure codes of CONTRACT.md', () => {
    expect([...PAYMENT_STATUSES]).toEqual(['processing', 'succeeded', 'failed', 'closed']);
    expect([...FAILURE_CODES]).toEqual([
      'insufficient_balance',
      'invalid_barcode',
      'barcode_expired',
      'payment_rejected',
      'payment_cancelled',
      'payment_expired',
      'failed_processing',
    ]);
  });

  it('succeeded, failed and closed are final; processing is not', () => {
    expect(PAYMENT_STATUSES.filter(isFinalPaymentStatus)).toEqual([...FINAL_PAYMENT_STATUSES]);
  });

  it('every final status is reachable from processing', () => {
    for (const to of FINAL_PAYMENT_STATUSES) {
      expect(canTransitionPayment('processing', to)).toBe(true);
      expect(() => assertPaymentTransition('processing', to)).not.toThrow();
    }
  });

  it('processing cannot "move" to processing', () => {
    expect(canTransitionPayment('processing', 'processing')).toBe(false);
  });

  it('from a final status nothing is reachable (all pairs)', () => {
    fc.assert(fc.property(finalPaymentStatus, paymentStatus, (from, to) => {
      expect(canTransitionPayment(from, to)).toBe(false);
      const error = stateError(() => assertPaymentTransition(from, to));
      expect(error.code).toBe('invalid_state_transition');
      expect(error.message).toContain(from);
    }));
  });

  it('canTransitionPayment and assertPaymentTransition agree on every pair', () => {
    fc.assert(fc.property(paymentStatus, paymentStatus, (from, to) => {
      let threw = false;
      try {
        assertPaymentTransition(from, to);
      } catch {
        threw = true;
      }
      expect(threw).toBe(!canTransitionPayment(from, to));
    }));
  });

  it('every failure code has a non-empty message', () => {
    for (const code of FAILURE_CODES) expect(failureMessage(code)).toMatch(/\S/);
  });
});

describe('paymentTransition', () => {
  it('sets the status, paid_at, closed_at and failure fields consistently for every final status', () => {
    fc.assert(
      fc.property(finalPaymentStatus, instant, fc.option(failureCode, { nil: undefined }), (to, at, failure) => {
        const row = paymentTransition('processing', to, at, failure);
        expect(row.status).toBe(to);
        expect(row.paid_at).toBe(to === 'succeeded' ? at.toISOString() : null);
        expect(row.closed_at).toBe(to === 'closed' ? at.toISOString() : null);
        expect(row.failure_code === null).toBe(to === 'succeeded');
        expect(row.failure_message).toBe(row.failure_code === null ? null : failureMessage(row.failure_code));
      }),
    );
  });

  it('a succeeded payment has no failure even when a failure code is passed', () => {
    fc.assert(fc.property(failureCode, instant, (failure, at) => {
      const row = paymentTransition('processing', 'succeeded', at, failure);
      expect(row).toEqual({ status: 'succeeded', failure_code: null, failure_message: null, paid_at: at.toISOString(), closed_at: null });
    }));
  });

  it('a failed or closed payment keeps the failure code it was given', () => {
    fc.assert(fc.property(fc.constantFrom('failed', 'closed') as fc.Arbitrary<'failed' | 'closed'>, failureCode, instant, (to, failure, at) => {
      const row = paymentTransition('processing', to, at, failure);
      expect(row.failure_code).toBe<FailureCode>(failure);
      expect(row.failure_message).toBe(failureMessage(failure));
    }));
  });

  it('a failed payment without a code defaults to failed_processing and has no paid_at or closed_at', () => {
    const at = new Date('2025-01-02T03:04:05.678Z');
    expect(paymentTransition('processing', 'failed', at)).toEqual({
      status: 'failed',
      failure_code: 'failed_processing',
      failure_message: failureMessage('failed_processing'),
      paid_at: null,
      closed_at: null,
    });
  });

  it('a closed payment without a code defaults to payment_cancelled and records closed_at', () => {
    const at = new Date('2025-01-02T03:04:05.678Z');
    expect(paymentTransition('processing', 'closed', at)).toEqual({
      status: 'closed',
      failure_code: 'payment_cancelled',
      failure_message: failureMessage('payment_cancelled'),
      paid_at: null,
      closed_at: '2025-01-02T03:04:05.678Z',
    });
  });

  it('refuses to move a payment out of a final status', () => {
    fc.assert(fc.property(finalPaymentStatus, finalPaymentStatus, instant, (from, to, at) => {
      expect(stateError(() => paymentTransition(from, to, at)).code).toBe('invalid_state_transition');
    }));
  });
});

describe('refund state machine', () => {
  it('every final refund status is reachable from processing', () => {
    for (const to of FINAL_REFUND_STATUSES) expect(canTransitionRefund('processing', to)).toBe(true);
    expect(canTransitionRefund('processing', 'processing')).toBe(false);
  });

  it('from a final refund status nothing is reachable (all pairs)', () => {
    fc.assert(fc.property(fc.constantFrom(...FINAL_REFUND_STATUSES), refundStatus, (from: RefundStatus, to: RefundStatus) => {
      expect(canTransitionRefund(from, to)).toBe(false);
      expect(stateError(() => assertRefundTransition(from, to)).code).toBe('invalid_state_transition');
    }));
  });
});

describe('refundableAmount', () => {
  it('is what was paid minus what is reserved, never negative', () => {
    fc.assert(fc.property(fc.nat(1e11), fc.nat(2e11), (paid, reserved) => {
      const left = refundableAmount(paid, reserved);
      expect(left).toBe(Math.max(0, paid - reserved));
      expect(left).toBeGreaterThanOrEqual(0);
    }));
  });
});
