import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateError } from './errors.ts';
import {
  FAILURE_CODES,
  type FailureCode,
  PAYMENT_STATUSES,
  type PaymentStatus,
  REFUND_STATUSES,
  REFUND_STATUSES_HOLDING_AMOUNT,
  type RefundStatus,
  assertCancellable,
  assertPaymentTransition,
  assertRefundTransition,
  canTransitionPayment,
  canTransitionRefund,
  failureMessage,
  isCancellable,
  isFinalPaymentStatus,
  isFinalRefundStatus,
  isProcessing,
  isRefundable,
  paymentTransition,
  refundTransition,
} from './payment-state.ts';

// Facts from CONTRACT.md, written out here so the machine is checked against them, not against itself.
const CONTRACT_PAYMENT_STATUSES = ['processing', 'succeeded', 'failed', 'closed'];
const CONTRACT_REFUND_STATUSES = ['processing', 'succeeded', 'failed'];
const CONTRACT_FAILURE_CODES = ['insufficient_balance', 'invalid_barcode', 'barcode_expired', 'payment_rejected', 'payment_cancelled', 'payment_expired', 'failed_processing'];
/** A payment or refund waits in `processing` and ends in exactly one final status, once. */
const ALLOWED_PAYMENT_MOVES = new Set(['processing>succeeded', 'processing>failed', 'processing>closed']);
const ALLOWED_REFUND_MOVES = new Set(['processing>succeeded', 'processing>failed']);

const paymentStatus = fc.constantFrom(...PAYMENT_STATUSES);
const refundStatus = fc.constantFrom(...REFUND_STATUSES);
const failureCode = fc.constantFrom(...FAILURE_CODES);
const instant = fc.date({ noInvalidDate: true, min: new Date('2000-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z') });
const AT = new Date('2025-01-02T03:04:05.678Z');

function stateError(fn: () => unknown): StateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StateError);
    return error as StateError;
  }
  throw new Error('expected a StateError, nothing was thrown');
}

/** Tries each move in turn from `processing`, as competing resolvers and requests would; returns what stuck. */
function runPaymentMoves(moves: readonly { to: PaymentStatus; at: Date; failure?: FailureCode | undefined; paidAt?: Date | undefined }[]) {
  let status: PaymentStatus = 'processing';
  let row: ReturnType<typeof paymentTransition> | null = null;
  let accepted = 0;
  for (const move of moves) {
    try {
      row = paymentTransition(status, move.to, move.at, { failureCode: move.failure, paidAt: move.paidAt });
      status = row.status;
      accepted += 1;
    } catch (error) {
      expect(error).toBeInstanceOf(StateError);
    }
  }
  return { status, row, accepted };
}

describe('payment statuses and failure codes', () => {
  it('are the ones CONTRACT.md lists, plus wallet_unavailable for a request that never left', () => {
    expect([...PAYMENT_STATUSES]).toEqual(CONTRACT_PAYMENT_STATUSES);
    expect([...REFUND_STATUSES]).toEqual(CONTRACT_REFUND_STATUSES);
    expect([...FAILURE_CODES].sort()).toEqual([...CONTRACT_FAILURE_CODES, 'wallet_unavailable'].sort());
  });

  it('every failure code has its own non-empty message', () => {
    const messages = FAILURE_CODES.map(failureMessage);
    for (const message of messages) expect(message).toMatch(/\S/);
    expect(new Set(messages).size).toBe(FAILURE_CODES.length);
  });

  it('only processing is open; every other status is final', () => {
    for (const status of PAYMENT_STATUSES) {
      expect(isProcessing(status)).toBe(status === 'processing');
      expect(isFinalPaymentStatus(status)).toBe(status !== 'processing');
      expect(isCancellable(status)).toBe(status === 'processing');
      expect(isRefundable({ status })).toBe(status === 'succeeded');
    }
    for (const status of REFUND_STATUSES) {
      expect(isProcessing(status)).toBe(status === 'processing');
      expect(isFinalRefundStatus(status)).toBe(status !== 'processing');
    }
    expect([...REFUND_STATUSES_HOLDING_AMOUNT].sort()).toEqual(['processing', 'succeeded']);
  });
});

describe('payment state machine', () => {
  it('allows exactly the moves out of processing, for every pair of statuses', () => {
    for (const from of PAYMENT_STATUSES) {
      for (const to of PAYMENT_STATUSES) {
        const allowed = ALLOWED_PAYMENT_MOVES.has(`${from}>${to}`);
        expect(canTransitionPayment(from, to)).toBe(allowed);
        if (allowed) {
          expect(() => assertPaymentTransition(from, to)).not.toThrow();
          expect(paymentTransition(from, to, AT).status).toBe(to);
        } else {
          const error = stateError(() => paymentTransition(from, to, AT));
          expect(error.code).toBe('invalid_state_transition');
          expect(error.message).toBe(`A ${from} payment cannot become ${to}.`);
        }
      }
    }
  });

  it('no sequence of moves leaves a final status: the first accepted move is the last', () => {
    const move = fc.record({ to: paymentStatus, at: instant, failure: fc.option(failureCode, { nil: undefined }) });
    fc.assert(fc.property(fc.array(move, { maxLength: 12 }), (moves) => {
      const { status, accepted } = runPaymentMoves(moves);
      const firstFinal = moves.find((m) => m.to !== 'processing');
      expect(accepted).toBe(firstFinal ? 1 : 0);
      expect(status).toBe(firstFinal?.to ?? 'processing');
    }));
  });

  it('paid_at is set iff succeeded, closed_at iff closed, a failure iff not succeeded', () => {
    const move = fc.record({ to: paymentStatus, at: instant, failure: fc.option(failureCode, { nil: undefined }), paidAt: fc.option(instant, { nil: undefined }) });
    fc.assert(fc.property(fc.array(move, { minLength: 1, maxLength: 6 }), (moves) => {
      const { row } = runPaymentMoves(moves);
      if (!row) return;
      const first = moves.find((m) => m.to !== 'processing')!;
      expect(row.paid_at !== null).toBe(row.status === 'succeeded');
      expect(row.closed_at !== null).toBe(row.status === 'closed');
      expect(row.failure_code === null).toBe(row.status === 'succeeded');
      expect(row.failure_message).toBe(row.failure_code === null ? null : failureMessage(row.failure_code));
      if (row.status === 'succeeded') expect(row.paid_at).toBe((first.paidAt ?? first.at).toISOString());
      if (row.status === 'closed') expect(row.closed_at).toBe(first.at.toISOString());
      if (row.status !== 'succeeded' && first.failure) expect(row.failure_code).toBe(first.failure);
    }));
  });

  it('a succeeded payment records when the wallet says the buyer paid, else the time of the change', () => {
    const walletTime = new Date('2025-01-02T03:04:00.000Z');
    expect(paymentTransition('processing', 'succeeded', AT, { paidAt: walletTime })).toEqual({
      status: 'succeeded', failure_code: null, failure_message: null, paid_at: '2025-01-02T03:04:00.000Z', closed_at: null,
    });
    expect(paymentTransition('processing', 'succeeded', AT, { paidAt: null, failureCode: 'payment_rejected' })).toEqual({
      status: 'succeeded', failure_code: null, failure_message: null, paid_at: '2025-01-02T03:04:05.678Z', closed_at: null,
    });
  });

  it('a failed payment without a code is failed_processing; a closed one is payment_cancelled', () => {
    expect(paymentTransition('processing', 'failed', AT)).toEqual({
      status: 'failed', failure_code: 'failed_processing', failure_message: 'The wallet could not process the payment.', paid_at: null, closed_at: null,
    });
    expect(paymentTransition('processing', 'closed', AT, { paidAt: new Date(0) })).toEqual({
      status: 'closed', failure_code: 'payment_cancelled', failure_message: 'The payment was cancelled before the buyer paid.', paid_at: null, closed_at: '2025-01-02T03:04:05.678Z',
    });
  });

  it('still accepts a bare failure code as the fourth argument (the older form)', () => {
    fc.assert(fc.property(fc.constantFrom('failed', 'closed') as fc.Arbitrary<PaymentStatus>, failureCode, instant, (to, failure, at) => {
      expect(paymentTransition('processing', to, at, failure)).toEqual(paymentTransition('processing', to, at, { failureCode: failure }));
    }));
  });

  it('a cancel is refused once the payment is final, with the reason and what to do instead', () => {
    expect(() => assertCancellable('processing')).not.toThrow();
    for (const status of ['succeeded', 'failed', 'closed'] as const) {
      const error = stateError(() => assertCancellable(status));
      expect(error.code).toBe('payment_not_cancellable');
      expect(error.statusCode).toBe(400);
      expect(error.message).toBe(`The payment is ${status}; only a processing payment can be cancelled. Refund a succeeded payment instead.`);
    }
  });
});

describe('refund state machine', () => {
  it('allows exactly the moves out of processing, for every pair of statuses', () => {
    for (const from of REFUND_STATUSES) {
      for (const to of REFUND_STATUSES) {
        const allowed = ALLOWED_REFUND_MOVES.has(`${from}>${to}`);
        expect(canTransitionRefund(from, to)).toBe(allowed);
        if (allowed) {
          expect(() => assertRefundTransition(from, to)).not.toThrow();
        } else {
          const error = stateError(() => refundTransition(from, to, AT));
          expect(error.code).toBe('invalid_state_transition');
          expect(error.message).toBe(`A ${from} refund cannot become ${to}.`);
        }
      }
    }
  });

  it('no sequence of moves leaves a final refund status', () => {
    fc.assert(fc.property(fc.array(refundStatus, { maxLength: 10 }), (targets: RefundStatus[]) => {
      let status: RefundStatus = 'processing';
      let accepted = 0;
      for (const to of targets) {
        try {
          status = refundTransition(status, to, AT).status;
          accepted += 1;
        } catch (error) {
          expect(error).toBeInstanceOf(StateError);
        }
      }
      const firstFinal = targets.find((t) => t !== 'processing');
      expect(accepted).toBe(firstFinal ? 1 : 0);
      expect(status).toBe(firstFinal ?? 'processing');
    }));
  });

  it('a succeeded refund has its wallet id and time and no failure', () => {
    expect(refundTransition('processing', 'succeeded', AT, { walletRefundId: 'w-1', failureCode: 'payment_rejected', failureMessage: 'ignored' })).toEqual({
      status: 'succeeded', wallet_refund_id: 'w-1', failure_code: null, failure_message: null, succeeded_at: '2025-01-02T03:04:05.678Z',
    });
    expect(refundTransition('processing', 'succeeded', AT).wallet_refund_id).toBeNull();
  });

  it('a failed refund defaults to failed_processing and its message, and keeps the wallet\'s words when given', () => {
    expect(refundTransition('processing', 'failed', AT)).toEqual({
      status: 'failed', wallet_refund_id: null, failure_code: 'failed_processing', failure_message: 'The wallet could not process the payment.', succeeded_at: null,
    });
    expect(refundTransition('processing', 'failed', AT, { failureMessage: 'ACQ.TRADE_HAS_CLOSE: closed' })).toMatchObject({
      failure_code: 'failed_processing', failure_message: 'ACQ.TRADE_HAS_CLOSE: closed',
    });
    fc.assert(fc.property(failureCode, (code) => {
      expect(refundTransition('processing', 'failed', AT, { failureCode: code })).toMatchObject({ failure_code: code, failure_message: failureMessage(code), succeeded_at: null });
    }));
  });
});
