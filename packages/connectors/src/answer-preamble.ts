import type { CancelOutcome, PaymentOutcome, QrOutcome, RefundOutcome } from '@counterpay/core';

/**
 * The part of every flow of every connector that is the same: what an exchange means before its
 * business content is read. Each connector reduces its protocol's answer to an `AnswerPreamble`
 * (alipayPreamble, wechatPreamble), and each flow settles the cases that carry no business content
 * with its `FlowRules`, so "no answer", "refused" and "never sent" are decided in one place.
 */
export type AnswerPreamble<T> =
  /** A trustworthy answer whose business content the flow reads. */
  | { kind: 'readable'; response: T }
  /** Nothing can be known about what the wallet did: timeout, network error, non-2xx, an answer whose
   * signature does not verify, or a code that means "not known". */
  | { kind: 'unsure'; reason: string }
  /** The request was turned away before it did anything (a bad request signature, a malformed request,
   * or our own signer could not sign it). `reason` is what a flow that learns nothing from it says. */
  | { kind: 'refused'; walletCode: string; message: string; reason: string }
  /** The request never left (connection refused, DNS, TLS, a missing client certificate): nothing
   * happened at the wallet, whatever the flow. */
  | { kind: 'not_sent'; reason: string };

/** Every outcome type of core has this member, so every flow can return it. */
export type NotSent = { kind: 'not_sent'; reason: string };

/** How one flow settles the cases without business content. */
export interface FlowRules<O> {
  /** The flow cannot know what the wallet did. */
  unsure(reason: string): O;
  /** The wallet refused the request; absent when a refusal tells this flow nothing (then `unsure`). */
  refused?(walletCode: string, message: string): O;
}

export function settle<T, O>(preamble: AnswerPreamble<T>, rules: FlowRules<O>, read: (response: T) => O): O | NotSent {
  switch (preamble.kind) {
    case 'not_sent':
      return { kind: 'not_sent', reason: preamble.reason };
    case 'readable':
      return read(preamble.response);
    case 'unsure':
      return rules.unsure(preamble.reason);
    case 'refused':
      return rules.refused ? rules.refused(preamble.walletCode, preamble.message) : rules.unsure(preamble.reason);
    default:
      return unhandled(preamble);
  }
}

const unknown = (reason: string) => ({ kind: 'unknown', reason }) as const;

/** Barcode pay. */
export const PAY_RULES: FlowRules<PaymentOutcome> = {
  unsure: unknown,
  // Refused before any order was made (e.g. a bad request signature): no buyer was charged and no
  // order will appear, so querying until the deadline would only delay the same answer.
  refused: (walletCode, message) => ({ kind: 'failed', code: 'failed_processing', walletCode, message }),
};

/** Order and refund queries: a refused query says nothing about an order or refund made earlier. */
export const PAYMENT_QUERY_RULES: FlowRules<PaymentOutcome> = { unsure: unknown };
export const REFUND_QUERY_RULES: FlowRules<RefundOutcome> = { unsure: unknown };

/** Cancel, reverse and close: without a confirmed answer, call again. */
export const CANCEL_RULES: FlowRules<CancelOutcome> = { unsure: (reason) => ({ kind: 'retry', reason }) };

/** A refused refund refunded nothing. */
export const REFUND_RULES: FlowRules<RefundOutcome> = {
  unsure: unknown,
  refused: (walletCode, message) => ({ kind: 'failed', walletCode, message }),
};

/** A refused QR order exists nowhere. */
export const QR_RULES: FlowRules<QrOutcome> = {
  unsure: unknown,
  refused: (walletCode, message) => ({ kind: 'failed', walletCode, message }),
};

/**
 * After a pay the wallet answered "this order number is taken" (it is ours): the query's answer is the
 * payment's. An order that "exists" but cannot be found, or a query that could not be sent, leaves it
 * unknown (the pay itself did reach the wallet).
 */
export function paymentOutcomeAfterQuery(query: PaymentOutcome, wallet: string, askedBecause: string): PaymentOutcome {
  switch (query.kind) {
    case 'not_found':
      return { kind: 'unknown', reason: `${wallet} said ${askedBecause} but the query found no order` };
    case 'not_sent':
      return { kind: 'unknown', reason: `${wallet} said ${askedBecause} but the query was not sent: ${query.reason}` };
    default:
      return query;
  }
}

/** The `never` check of exhaustive switches: a new case breaks the build until it is handled. */
export function unhandled(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
