import { StateError } from './errors.ts';
import { assertMinorAmount } from './money.ts';
import { type PaymentStatus, canHaveLateSuccess, isRefundable } from './payment-state.ts';

/** Refunds are accepted for 365 days after the payment (CONTRACT.md); exactly 365 days is still in. */
export const REFUND_WINDOW_MS = 365 * 24 * 3600 * 1000;

/** Amount still refundable: what was paid minus refunds that succeeded or are still processing. */
export function refundableAmount(amountPaid: number, refundsReserved: number): number {
  return Math.max(0, amountPaid - refundsReserved);
}

export interface RefundRequestFacts {
  paymentStatus: PaymentStatus;
  /** When the buyer paid; a payment without it is not held to the window. */
  paidAt: Date | null;
  amountPaid: number;
  /** Sum of the payment's refunds that succeeded or are still processing. */
  reserved: number;
  /** Minor units; undefined = everything still refundable. */
  requested: number | undefined;
  now: Date;
  /**
   * A closed or failed payment the wallet charged anyway (a late success): what it charged. Such a
   * payment may be refunded up to exactly that amount, never more.
   */
  lateCharge?: number | null | undefined;
}

/**
 * The refund rules in one place: returns the amount to refund, or throws the StateError the merchant
 * sees. Callers run it under the payment's row lock, with `reserved` read in the same transaction, so
 * the sum of refunds never exceeds the amount paid.
 */
export function checkRefund(facts: RefundRequestFacts): number {
  if (facts.requested !== undefined) assertMinorAmount(facts.requested);
  const late = lateChargeRefundable(facts);
  if (late !== null) facts = { ...facts, amountPaid: late };
  else if (!isRefundable({ status: facts.paymentStatus })) {
    throw new StateError('payment_not_refundable', `The payment is ${facts.paymentStatus}; only a succeeded payment can be refunded.`, 'payment');
  }
  if (facts.paidAt && facts.now.getTime() - facts.paidAt.getTime() > REFUND_WINDOW_MS) {
    throw new StateError('refund_window_expired', 'Refunds are possible only within 365 days of the payment.', 'payment');
  }
  const left = refundableAmount(facts.amountPaid, facts.reserved);
  if (left <= 0) throw new StateError('payment_fully_refunded', 'The payment has already been refunded in full.', 'amount');
  const amount = facts.requested ?? left;
  if (amount > facts.amountPaid) {
    throw new StateError('refund_exceeds_amount_paid', `The refund (${amount}) exceeds the amount paid (${facts.amountPaid}).`, 'amount');
  }
  if (amount > left) {
    throw new StateError('refund_exceeds_payment', `The refund (${amount}) exceeds what is left to refund (${left}).`, 'amount');
  }
  return amount;
}

/** The late charge a closed or failed payment may give back, or null when it has none. */
function lateChargeRefundable(facts: RefundRequestFacts): number | null {
  if (!canHaveLateSuccess(facts.paymentStatus) || facts.lateCharge === null || facts.lateCharge === undefined || facts.lateCharge <= 0) return null;
  assertMinorAmount(facts.lateCharge);
  return facts.lateCharge;
}
