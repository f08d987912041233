import type { PaymentOutcome } from '@counterpay/core';
import { unhandled } from './answer-preamble.ts';

/**
 * Why a wallet refused a barcode payment, in counterpay's terms. Each connector sorts its own codes into
 * these (Alipay's 40004 sub_codes, WeChat's err_codes); what each means for the payment is decided here.
 */
export type PayRefusal =
  | 'insufficient_balance'
  | 'code_expired'
  | 'code_invalid'
  /** The order number is taken: it is ours, so whatever happened to that order is this payment's truth. */
  | 'order_exists'
  | 'order_closed'
  /** The merchant's own set-up or request is wrong: nothing about the buyer. */
  | 'merchant_setup'
  | 'buyer_refused';

/** A payment outcome, or a request to ask the wallet by query (the order already exists there). */
export type PayDecision = PaymentOutcome | { kind: 'ask_query'; walletCode: string };

export function payDecisionFromRefusal(refusal: PayRefusal, walletCode: string, message: string): PayDecision {
  switch (refusal) {
    case 'insufficient_balance':
      return { kind: 'failed', code: 'insufficient_balance', walletCode, message };
    case 'code_expired':
      return { kind: 'failed', code: 'barcode_expired', walletCode, message };
    case 'code_invalid':
      return { kind: 'failed', code: 'invalid_barcode', walletCode, message };
    case 'order_exists':
      return { kind: 'ask_query', walletCode };
    case 'order_closed':
      return { kind: 'closed', walletCode };
    case 'merchant_setup':
      return { kind: 'failed', code: 'failed_processing', walletCode, message };
    case 'buyer_refused':
      return { kind: 'failed', code: 'payment_rejected', walletCode, message };
    default:
      return unhandled(refusal);
  }
}
