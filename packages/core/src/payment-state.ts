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

/** The one status that is still open, for storage queries (`where status = PROCESSING`). */
export const PROCESSING = 'processing' as const;

/** Refunds that hold part of the paid amount: the ones that succeeded and the ones still in flight. */
export const REFUND_STATUSES_HOLDING_AMOUNT: readonly RefundStatus[] = ['processing', 'succeeded'];

/** Still waiting for the wallet's answer (payments and refunds alike). */
export function isProcessing(status: PaymentStatus | RefundStatus): boolean {
  return status === PROCESSING;
}

export function isFinalPaymentStatus(status: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS[status].length === 0;
}

export function isFinalRefundStatus(status: RefundStatus): boolean {
  return REFUND_TRANSITIONS[status].length === 0;
}

/** Only money that arrived can go back; the window and the amount left are `checkRefund`'s. */
export function isRefundable(payment: { status: PaymentStatus }): boolean {
  return payment.status === 'succeeded';
}

/** A cancel reverses a payment the buyer has not finished; a final one is refunded instead. */
export function isCancellable(status: PaymentStatus): boolean {
  return isProcessing(status);
}

export function assertCancellable(status: PaymentStatus): void {
  if (!isCancellable(status)) {
    throw new StateError('payment_not_cancellable', `The payment is ${status}; only a processing payment can be cancelled. Refund a succeeded payment instead.`);
  }
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

/** Every column a payment status change writes (timestamps, failure fields). */
export interface PaymentTransition {
  status: PaymentStatus;
  failure_code: FailureCode | null;
  failure_message: string | null;
  paid_at: string | null;
  closed_at: string | null;
}

export interface PaymentTransitionDetails {
  /** Failed or closed: why. Defaults to failed_processing (failed) and payment_cancelled (closed). */
  failureCode?: FailureCode | undefined;
  /** Succeeded: when the wallet says the buyer paid; defaults to the time of the change. */
  paidAt?: Date | null | undefined;
}

/**
 * The only code that computes a payment's status change. Throws StateError on a move the machine
 * forbids. A bare failure code as the fourth argument is the older form, still accepted.
 */
export function paymentTransition(
  from: PaymentStatus,
  to: PaymentStatus,
  at: Date,
  details: PaymentTransitionDetails | FailureCode = {},
): PaymentTransition {
  assertPaymentTransition(from, to);
  const { failureCode, paidAt } = typeof details === 'string' ? { failureCode: details, paidAt: undefined } : details;
  const failure_code = to === 'succeeded' ? null : (failureCode ?? (to === 'closed' ? 'payment_cancelled' : 'failed_processing'));
  return {
    status: to,
    failure_code,
    failure_message: failure_code ? failureMessage(failure_code) : null,
    paid_at: to === 'succeeded' ? (paidAt ?? at).toISOString() : null,
    closed_at: to === 'closed' ? at.toISOString() : null,
  };
}

/** Every column a refund status change writes. */
export interface RefundTransition {
  status: RefundStatus;
  wallet_refund_id: string | null;
  failure_code: FailureCode | null;
  failure_message: string | null;
  succeeded_at: string | null;
}

export interface RefundTransitionDetails {
  walletRefundId?: string | null | undefined;
  /** Failed: why; defaults to failed_processing. */
  failureCode?: FailureCode | undefined;
  /** Failed: the wallet's own words; defaults to the failure code's message. */
  failureMessage?: string | undefined;
}

/** The only code that computes a refund's status change. Throws StateError on a forbidden move. */
export function refundTransition(from: RefundStatus, to: RefundStatus, at: Date, details: RefundTransitionDetails = {}): RefundTransition {
  assertRefundTransition(from, to);
  const failed = to === 'failed';
  const failure_code = failed ? (details.failureCode ?? 'failed_processing') : null;
  return {
    status: to,
    wallet_refund_id: details.walletRefundId ?? null,
    failure_code,
    failure_message: failure_code ? (details.failureMessage ?? failureMessage(failure_code)) : null,
    succeeded_at: to === 'succeeded' ? at.toISOString() : null,
  };
}

/**
 * A late success: the wallet took the buyer's money after counterpay had closed or failed the payment
 * (the buyer confirmed just after the cancel was acknowledged). Only these two statuses can have one.
 */
export function canHaveLateSuccess(status: PaymentStatus): boolean {
  return status === 'closed' || status === 'failed';
}

/** What the merchant chose for a late success: refund it at the wallet (default) or accept it as succeeded. */
export const LATE_SUCCESS_POLICIES = ['refund', 'accept'] as const;
export type LateSuccessPolicy = (typeof LATE_SUCCESS_POLICIES)[number];

export function isLateSuccessPolicy(value: unknown): value is LateSuccessPolicy {
  return (LATE_SUCCESS_POLICIES as readonly unknown[]).includes(value);
}

/**
 * The one move out of a final status: a closed or failed payment the wallet shows paid becomes
 * succeeded when its merchant accepts late successes. Kept apart from PAYMENT_TRANSITIONS so no
 * ordinary wallet answer can reopen a final payment.
 */
export function lateSuccessTransition(from: PaymentStatus, at: Date, paidAt: Date | null): PaymentTransition {
  if (!canHaveLateSuccess(from)) {
    throw new StateError('invalid_state_transition', `A ${from} payment cannot take a late success; only a closed or failed one can.`);
  }
  return { status: 'succeeded', failure_code: null, failure_message: null, paid_at: (paidAt ?? at).toISOString(), closed_at: null };
}
