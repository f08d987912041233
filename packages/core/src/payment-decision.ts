import type { CancelOutcome, PaymentOutcome, QrOutcome } from './connector.ts';
import { type FailureCode, type PaymentStatus, isProcessing } from './payment-state.ts';

/**
 * Everything that decides what happens next to a payment, in one pure function (PROTOCOLS.md §6):
 * the request path and the resolver both describe what they know and carry out the answer. A payment
 * is failed only when the wallet said so or the request provably never left; it is closed only after
 * the wallet confirmed a cancel or showed the order closed; a payment the wallet said was paid is
 * never closed or failed.
 */
export interface PaymentSituation {
  status: PaymentStatus;
  flow: 'barcode' | 'qr';
  /** False: a one-for-all QR code that no wallet app has opened yet (no order exists at any wallet). */
  walletChosen: boolean;
  /** The merchant asked to cancel (cancel_requested_at set). */
  cancelRequested: boolean;
  /** A cancel/close was sent and its confirmation not yet seen. */
  cancelStarted: boolean;
  /** The buyer-confirmation deadline (barcode) or the expiry (QR) has passed. */
  pastDeadline: boolean;
}

/** What the wallet just answered, and to which call. */
export type WalletObservation =
  | { kind: 'nothing_yet' } // the resolver is about to act
  | { kind: 'pay'; outcome: PaymentOutcome } // answer to the barcode pay request
  | { kind: 'query'; outcome: PaymentOutcome } // answer to a query
  | { kind: 'cancel'; outcome: CancelOutcome } // answer to cancel (barcode) / close (QR)
  | { kind: 'create_qr'; outcome: QrOutcome }; // answer to the QR order creation

export type CloseReason = 'payment_cancelled' | 'payment_expired';

/** When to look again: the wallet's query interval, the QR polling plan, the deadline, or a cancel's backoff. */
export type CheckSchedule = 'query' | 'qr_poll' | 'deadline' | 'cancel_backoff';

export type PaymentAction =
  | { kind: 'stop' } // final already: drop the resolver task
  | { kind: 'query' } // ask the wallet
  | { kind: 'cancel' } // cancel (barcode) / close (QR) at the wallet
  /** `buyerAccount` / `buyerId`: the payer as the wallet's answer named them (absent when it did not). */
  | { kind: 'succeed'; walletTransactionId: string | null; paidAt: Date | null; buyerAccount?: string; buyerId?: string }
  | { kind: 'fail'; failureCode: FailureCode }
  | { kind: 'close'; failureCode: CloseReason }
  /** The cancel answered "already paid": query for the transaction, then `succeedAfterCancelSaidPaid`. */
  | { kind: 'confirm_paid' }
  | { kind: 'show_qr'; qrCode: string }
  /** `reason` is the wallet's or the network's words when the answer was unknown, for the task's last error. */
  | { kind: 'check_later'; schedule: CheckSchedule; reason: string | null };

const STOP: PaymentAction = { kind: 'stop' };
const CANCEL: PaymentAction = { kind: 'cancel' };

export function decidePayment(situation: PaymentSituation, seen: WalletObservation): PaymentAction {
  if (!isProcessing(situation.status)) return STOP;
  switch (seen.kind) {
    case 'nothing_yet':
      return beforeCallingWallet(situation);
    case 'pay':
      return afterPay(situation, seen.outcome);
    case 'query':
      return afterQuery(situation, seen.outcome);
    case 'cancel':
      return afterCancel(situation, seen.outcome);
    case 'create_qr':
      return afterQrCreation(situation, seen.outcome);
    default: {
      const never: never = seen;
      throw new Error(`unhandled wallet observation ${JSON.stringify(never)}`);
    }
  }
}

/** The cancel said "paid", then the query for its transaction answered: succeed, with its id when shown. */
export function succeedAfterCancelSaidPaid(query: PaymentOutcome): PaymentAction {
  if (query.kind === 'succeeded') return succeedAsSaid(query);
  // The wallet already said paid; a query that does not show it yet (slow, unknown) cannot unsay that.
  return { kind: 'succeed', walletTransactionId: null, paidAt: null };
}

export function closeReason(situation: Pick<PaymentSituation, 'cancelRequested'>): CloseReason {
  return situation.cancelRequested ? 'payment_cancelled' : 'payment_expired';
}

function beforeCallingWallet(situation: PaymentSituation): PaymentAction {
  // A one-for-all code no wallet app opened: nothing exists at any wallet, so it just expires.
  if (!situation.walletChosen) {
    if (situation.pastDeadline) return { kind: 'close', failureCode: closeReason(situation) };
    return { kind: 'check_later', schedule: 'deadline', reason: null };
  }
  // A cancel already sent may still be in flight: only the cancel's own confirmed answer counts now.
  if (situation.cancelStarted) return CANCEL;
  // Past the deadline too: a last query first, since the buyer may have paid meanwhile.
  return { kind: 'query' };
}

/**
 * Once a cancel may be in flight, a paid order can still be reversed by it, and any other answer may
 * predate it: so only the cancel's own answer ends the payment, and everything else sends it again.
 * (The creating request holds the task until its wallet call is done, so its answer normally comes first.)
 */
function cancelDecides(situation: PaymentSituation): boolean {
  return situation.cancelStarted;
}

function afterPay(situation: PaymentSituation, outcome: PaymentOutcome): PaymentAction {
  if (cancelDecides(situation)) return CANCEL;
  switch (outcome.kind) {
    case 'succeeded':
      return succeedAsSaid(outcome);
    case 'failed':
      return { kind: 'fail', failureCode: outcome.code };
    case 'not_sent':
      // The request never reached the wallet, so failing is safe: the buyer was not charged.
      return { kind: 'fail', failureCode: 'wallet_unavailable' };
    case 'pending':
    case 'closed':
    case 'not_found':
    case 'unknown':
      // The resolver queries, and cancels at the deadline.
      return { kind: 'check_later', schedule: 'query', reason: unknownReason(outcome) };
    default: {
      const never: never = outcome;
      throw new Error(`unhandled pay outcome ${JSON.stringify(never)}`);
    }
  }
}

function afterQuery(situation: PaymentSituation, outcome: PaymentOutcome): PaymentAction {
  if (cancelDecides(situation)) return CANCEL;
  switch (outcome.kind) {
    case 'succeeded':
      return succeedAsSaid(outcome);
    case 'failed':
      return { kind: 'fail', failureCode: outcome.code };
    case 'closed':
      // Closed at the wallet without payment (closed there, or an earlier cancel of ours went through).
      return { kind: 'close', failureCode: closeReason(situation) };
    case 'pending':
    case 'not_found':
    case 'unknown':
    case 'not_sent': // the query never left: we know no more than before
      if (situation.pastDeadline) return CANCEL;
      return { kind: 'check_later', schedule: situation.flow === 'qr' ? 'qr_poll' : 'query', reason: unknownReason(outcome) };
    default: {
      const never: never = outcome;
      throw new Error(`unhandled query outcome ${JSON.stringify(never)}`);
    }
  }
}

function afterCancel(situation: PaymentSituation, outcome: CancelOutcome): PaymentAction {
  switch (outcome.kind) {
    case 'cancelled':
      return { kind: 'close', failureCode: closeReason(situation) };
    case 'paid':
      // The buyer paid before the cancel: the payment succeeded. Query for the wallet's transaction id.
      return { kind: 'confirm_paid' };
    case 'retry':
    case 'not_sent':
      return { kind: 'check_later', schedule: 'cancel_backoff', reason: outcome.reason };
    default: {
      const never: never = outcome;
      throw new Error(`unhandled cancel outcome ${JSON.stringify(never)}`);
    }
  }
}

function afterQrCreation(situation: PaymentSituation, outcome: QrOutcome): PaymentAction {
  if (cancelDecides(situation)) return CANCEL;
  switch (outcome.kind) {
    case 'created':
      return { kind: 'show_qr', qrCode: outcome.qrCode };
    case 'failed':
      return { kind: 'fail', failureCode: 'failed_processing' };
    case 'not_sent':
      // Nothing reached the wallet, so no order exists and nobody can pay it: failing is safe, and it
      // tells the cashier now instead of leaving a payment with no code processing until it expires
      // (up to 3 days). The same rule as a barcode pay that never left.
      return { kind: 'fail', failureCode: 'wallet_unavailable' };
    case 'unknown':
      // The order may exist at the wallet: the resolver queries, and closes it at expiry.
      return { kind: 'check_later', schedule: 'query', reason: outcome.reason };
    default: {
      const never: never = outcome;
      throw new Error(`unhandled QR outcome ${JSON.stringify(never)}`);
    }
  }
}

/** Succeed with what the wallet said of the payment: its transaction, when it was paid and by whom. */
function succeedAsSaid(outcome: Extract<PaymentOutcome, { kind: 'succeeded' }>): PaymentAction {
  return {
    kind: 'succeed',
    walletTransactionId: outcome.walletTransactionId,
    paidAt: outcome.paidAt,
    ...(outcome.buyerAccount ? { buyerAccount: outcome.buyerAccount } : {}),
    ...(outcome.buyerId ? { buyerId: outcome.buyerId } : {}),
  };
}

function unknownReason(outcome: PaymentOutcome): string | null {
  return outcome.kind === 'unknown' || outcome.kind === 'not_sent' ? outcome.reason : null;
}
