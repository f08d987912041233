import { StateError } from './errors.ts';

export const PAYMENT_STATUSES = ['processing', 'succeeded', 'failed', 'closed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const REFUND_STATUSES = ['processing', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const FAILURE_CODES = [
  'insufficient_balance',
  'invalid_barcode',
  'barcode_expired',
  'payment_rejected',
  'payment_cancelled',
  'payment_expired',
  'failed_processing',
  'wallet_unavailable',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

const FAILURE_MESSAGES: Record<FailureCode, string> = {
  insufficient_balance: 'The buyer\'s wallet balance is not enough for this payment.',
  invalid_barcode: 'The payment code is not valid.',
  barcode_expired: 'The payment code has expired; ask the buyer to refresh it.',
  payment_rejected: 'The wallet rejected the payment.',
  payment_cancelled: 'The payment was cancelled before the buyer paid.',
  payment_expired: 'The buyer did not pay before the payment expired.',
  failed_processing: 'The wallet could not process the payment.',
  wallet_unavailable: 'The wallet could not be reached; nothing was sent, so the buyer was not charged.',
};

export function failureMessage(code: FailureCode): string {
  return FAILURE_MESSAGES[code];
}

/** Allowed moves; a final status has none, so final states stay final. */
const PAYMENT_TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  processing: ['succeeded', 'failed', 'closed'],
  succeeded: [],
  failed: [],
  closed: [],
};

const REFUND_TRANSITIONS: Record<RefundStatus, readonly RefundStatus[]> = {
  processing: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
};

export function isFinalPaymentStatus(status: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS[status].length === 0;
}

export function canTransitionPayment(from: PaymentStatus, to: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS[from].includes(to);
}

export function canTransitionRefund(from: RefundStatus, to: RefundStatus): boolean {
  return REFUND_TRANSITIONS[from].includes(to);
}

/** The one gate every payment status change passes; throws on a move the machine does not allow. */
export function assertPaymentTransition(from: PaymentStatus, to: PaymentStatus): void {
  if (!canTransitionPayment(from, to)) {
    throw new StateError('invalid_state_transition', `A ${from} payment cannot become ${to}.`);
  }
}

export function assertRefundTransition(from: RefundStatus, to: RefundStatus): void {
  if (!canTransitionRefund(from, to)) {
    throw new StateError('invalid_state_transition', `A ${from} refund cannot become ${to}.`);
  }
}

/** What a status change implies for the stored row (timestamps, failure fields). */
export interface PaymentTransition {
  status: PaymentStatus;
  failure_code: FailureCode | null;
  failure_message: string | null;
  paid_at: string | null;
  closed_at: string | null;
}

export function paymentTransition(
  from: PaymentStatus,
  to: Exclude<PaymentStatus, 'processing'>,
  at: Date,
  failure?: FailureCode,
): PaymentTransition {
  assertPaymentTransition(from, to);
  const failure_code = to === 'succeeded' ? null : (failure ?? (to === 'closed' ? 'payment_cancelled' : 'failed_processing'));
  return {
    status: to,
    failure_code,
    failure_message: failure_code ? failureMessage(failure_code) : null,
    paid_at: to === 'succeeded' ? at.toISOString() : null,
    closed_at: to === 'closed' ? at.toISOString() : null,
  };
}

/** Amount still refundable: what was paid minus refunds that succeeded or are still processing. */
export function refundableAmount(amountPaid: number, refundsReserved: number): number {
  return Math.max(0, amountPaid - refundsReserved);
}
