import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateError, ValidationError } from './errors.ts';
import { MAX_AMOUNT_MINOR } from './money.ts';
import { PAYMENT_STATUSES } from './payment-state.ts';
import { type RefundRequestFacts, checkRefund, refundableAmount } from './refund-rules.ts';

const DAY_MS = 24 * 3600 * 1000;
const NOW = new Date('2026-03-01T12:00:00.000Z');
const paid = (over: Partial<RefundRequestFacts> = {}): RefundRequestFacts => ({
  paymentStatus: 'succeeded',
  paidAt: new Date(NOW.getTime() - DAY_MS),
  amountPaid: 10_000,
  reserved: 0,
  requested: undefined,
  now: NOW,
  ...over,
});

function refusal(facts: RefundRequestFacts): { code: string; message: string; param: string | undefined } {
  try {
    checkRefund(facts);
  } catch (error) {
    if (!(error instanceof StateError)) throw error;
    return { code: error.code, message: error.message, param: error.param };
  }
  throw new Error('expected the refund to be refused');
}

describe('refundableAmount', () => {
  it('is what was paid minus what is reserved, never negative', () => {
    expect(refundableAmount(10_000, 0)).toBe(10_000);
    expect(refundableAmount(10_000, 2_500)).toBe(7_500);
    expect(refundableAmount(10_000, 10_000)).toBe(0);
    expect(refundableAmount(10_000, 12_000)).toBe(0);
  });
});

describe('checkRefund', () => {
  it('refunds everything still left when no amount is asked for', () => {
    expect(checkRefund(paid())).toBe(10_000);
    expect(checkRefund(paid({ reserved: 3_000 }))).toBe(7_000);
  });

  it('refunds exactly the amount asked for when it fits, up to the last minor unit', () => {
    expect(checkRefund(paid({ requested: 1 }))).toBe(1);
    expect(checkRefund(paid({ reserved: 3_000, requested: 7_000 }))).toBe(7_000);
  });

  it('refuses a payment that has not succeeded, whatever else is true', () => {
    for (const status of PAYMENT_STATUSES.filter((s) => s !== 'succeeded')) {
      expect(refusal(paid({ paymentStatus: status, paidAt: null, reserved: 10_000 }))).toEqual({
        code: 'payment_not_refundable',
        message: `The payment is ${status}; only a succeeded payment can be refunded.`,
        param: 'payment',
      });
    }
  });

  it('accepts a refund exactly 365 days after the payment and refuses it one millisecond later', () => {
    const paidAt = new Date(NOW.getTime() - 365 * DAY_MS);
    expect(checkRefund(paid({ paidAt }))).toBe(10_000);
    expect(refusal(paid({ paidAt: new Date(paidAt.getTime() - 1) }))).toEqual({
      code: 'refund_window_expired',
      message: 'Refunds are possible only within 365 days of the payment.',
      param: 'payment',
    });
    // A leap year changes nothing: the window is 365 days, not one calendar year.
    expect(refusal(paid({ paidAt: new Date('2024-02-29T12:00:00.000Z'), now: new Date('2025-02-28T12:00:00.001Z') })).code).toBe('refund_window_expired');
  });

  it('holds a payment without paid_at to no window', () => {
    expect(checkRefund(paid({ paidAt: null, now: new Date(NOW.getTime() + 1000 * DAY_MS) }))).toBe(10_000);
  });

  it('refuses a fully refunded payment, and a refund above what is left, with the numbers', () => {
    expect(refusal(paid({ reserved: 10_000 }))).toEqual({ code: 'payment_fully_refunded', message: 'The payment has already been refunded in full.', param: 'amount' });
    expect(refusal(paid({ reserved: 10_000, requested: 1 })).code).toBe('payment_fully_refunded');
    expect(refusal(paid({ reserved: 9_000, requested: 1_001 }))).toEqual({
      code: 'refund_exceeds_payment',
      message: 'The refund (1001) exceeds what is left to refund (1000).',
      param: 'amount',
    });
  });

  it('tells a refund above the whole amount paid apart from one above what is left', () => {
    expect(checkRefund(paid({ requested: 10_000 }))).toBe(10_000);
    expect(refusal(paid({ requested: 10_001 }))).toEqual({
      code: 'refund_exceeds_amount_paid',
      message: 'The refund (10001) exceeds the amount paid (10000).',
      param: 'amount',
    });
    expect(refusal(paid({ reserved: 2_000, requested: 10_001 })).code).toBe('refund_exceeds_amount_paid');
    expect(refusal(paid({ reserved: 2_000, requested: 10_000 })).code).toBe('refund_exceeds_payment');
  });

  it('refuses an amount that is not a positive integer within the limit before looking at the payment', () => {
    for (const requested of [0, -1, 1.5, Number.NaN, MAX_AMOUNT_MINOR + 1]) {
      expect(() => checkRefund(paid({ paymentStatus: 'failed', requested }))).toThrow(ValidationError);
    }
  });

  it('the sum of accepted refunds never exceeds the amount paid, over any sequence of requests and outcomes', () => {
    // Each step asks for a refund (an amount or "the rest"), or settles an earlier one as failed or succeeded.
    const step = fc.oneof(
      fc.record({ kind: fc.constant('ask' as const), requested: fc.option(fc.integer({ min: 1, max: 12_000 }), { nil: undefined }) }),
      fc.record({ kind: fc.constantFrom('fail' as const, 'succeed' as const), pick: fc.nat() }),
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.array(step, { maxLength: 40 }), (amountPaid, steps) => {
      const refunds: { amount: number; status: 'processing' | 'succeeded' | 'failed' }[] = [];
      const held = () => refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
      for (const s of steps) {
        if (s.kind === 'ask') {
          const before = held();
          try {
            const amount = checkRefund({ paymentStatus: 'succeeded', paidAt: NOW, amountPaid, reserved: before, requested: s.requested, now: NOW });
            expect(amount).toBe(s.requested ?? amountPaid - before);
            expect(amount).toBeGreaterThan(0);
            refunds.push({ amount, status: 'processing' });
          } catch (error) {
            expect(error).toBeInstanceOf(StateError);
            const code = (error as StateError).code;
            // A refusal is right only when the request truly did not fit.
            if (before >= amountPaid) expect(code).toBe('payment_fully_refunded');
            else if (s.requested! > amountPaid) expect(code).toBe('refund_exceeds_amount_paid');
            else expect([code, s.requested! > amountPaid - before]).toEqual(['refund_exceeds_payment', true]);
          }
        } else {
          const open = refunds.filter((r) => r.status === 'processing');
          const target = open[s.pick % Math.max(1, open.length)];
          if (target) target.status = s.kind === 'fail' ? 'failed' : 'succeeded';
        }
        expect(held()).toBeLessThanOrEqual(amountPaid);
      }
    }));
  });
});
