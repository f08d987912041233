import type { RefundOutcome } from './connector.ts';
import { type FailureCode, type RefundStatus, isProcessing } from './payment-state.ts';

/**
 * What happens next to a refund, in one pure function for the request path and the resolver alike.
 * Refunds have no cancel: an unknown answer is asked again until the wallet says, and a refund is
 * failed only when the wallet refused it or the request provably never left.
 */
export interface RefundSituation {
  status: RefundStatus;
}

export interface RefundObservation {
  /**
   * Which call answered: `refund` the first refund request, `resend` one sent again after a query
   * found nothing, `query` a refund query. They differ only when the request never left (not_sent).
   */
  kind: 'refund' | 'resend' | 'query';
  outcome: RefundOutcome;
}

export type RefundAction =
  | { kind: 'stop' } // final already: drop the resolver task
  | { kind: 'succeed'; walletRefundId: string | null }
  | { kind: 'fail'; failureCode: FailureCode; failureMessage: string }
  /** A query says the wallet never saw the refund: send it again (the wallet de-duplicates by refund id). */
  | { kind: 'resend' }
  | { kind: 'check_later'; reason: string | null };

export function decideRefund(situation: RefundSituation, seen: RefundObservation): RefundAction {
  if (!isProcessing(situation.status)) return { kind: 'stop' };
  const outcome = seen.outcome;
  switch (outcome.kind) {
    case 'succeeded':
      return { kind: 'succeed', walletRefundId: outcome.walletRefundId };
    case 'failed':
      return { kind: 'fail', failureCode: 'failed_processing', failureMessage: `${outcome.walletCode}: ${outcome.message}` };
    case 'not_found':
      // Only a query can tell that the refund never arrived; a refund request answered so is asked again.
      return seen.kind === 'query' ? { kind: 'resend' } : { kind: 'check_later', reason: null };
    case 'not_sent':
      // A first refund request that never left moved no money: fail it, which frees its amount for a new
      // one. Not so a re-sent one: the first request's fate was unknown and it may still land, so failing
      // could let the merchant refund twice. A query that never left tells nothing.
      if (seen.kind === 'refund') {
        return { kind: 'fail', failureCode: 'wallet_unavailable', failureMessage: `The wallet could not be reached, so nothing was refunded (${outcome.reason}).` };
      }
      return { kind: 'check_later', reason: outcome.reason };
    case 'pending':
      return { kind: 'check_later', reason: null };
    case 'unknown':
      return { kind: 'check_later', reason: outcome.reason };
    default: {
      const never: never = outcome;
      throw new Error(`unhandled refund outcome ${JSON.stringify(never)}`);
    }
  }
}
