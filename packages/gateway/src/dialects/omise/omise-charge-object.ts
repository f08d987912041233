import { type FailureCode, type FeeRates, type PaymentStatus, REFUND_WINDOW_MS, feesOf, isRefundable } from '@counterpay/core';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import { chargeId, sourceId, transactionId } from './omise-ids.ts';
import { omiseList, omiseTime, toOmiseRefund } from './omise-objects.ts';

/**
 * The charge statuses counterpay produces. Omise also has `reversed` (an authorised card charge
 * released before capture); a counterpay payment that was closed never took the buyer's money
 * (a paid payment is never closed), so every closed payment is an `expired` charge.
 */
export type OmiseChargeStatus = 'pending' | 'successful' | 'failed' | 'expired';

/** The one place a counterpay payment status becomes an Omise charge status. */
export function omiseChargeStatus(status: PaymentStatus): OmiseChargeStatus {
  switch (status) {
    case 'processing':
      return 'pending';
    case 'succeeded':
      return 'successful';
    case 'failed':
      return 'failed';
    case 'closed':
      return 'expired';
    default: {
      const never: never = status;
      throw new Error(`unmapped payment status ${String(never)}`);
    }
  }
}

/** The failure codes Omise documents for Alipay barcode charges (seed 003). */
export type OmiseFailureCode = 'payment_cancelled' | 'failed_processing' | 'insufficient_balance' | 'payment_rejected' | 'payment_expired';

/** The one place a counterpay failure code becomes an Omise failure code. */
export function omiseFailureCode(code: FailureCode | null): OmiseFailureCode | null {
  switch (code) {
    case null:
      return null;
    case 'insufficient_balance':
    case 'payment_cancelled':
    case 'payment_expired':
    case 'payment_rejected':
    case 'failed_processing':
      return code;
    case 'wallet_unavailable':
      return 'failed_processing';
    case 'barcode_expired':
    case 'invalid_barcode':
      // Alipay refused the buyer's payment code itself; Omise's nearest word is "rejected by issuer".
      return 'payment_rejected';
    default: {
      const never: never = code;
      throw new Error(`unmapped failure code ${String(never)}`);
    }
  }
}

/** What the Omise request said about the source, kept in `payments.dialect_data` to answer later. */
export interface OmiseChargeFacts {
  store_id: string | null;
  store_name: string | null;
  terminal_id: string | null;
  /**
   * Written by earlier versions (an estimate of the deadline made by this dialect); read only for
   * their rows. The payment's own `expires_at` is the deadline the gateway enforces.
   */
  expires_at?: string | null;
}

/** Reads the facts back; rows written by hand or by an older version may lack any of them. */
export function readChargeFacts(dialectData: string): OmiseChargeFacts {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(dialectData);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
  } catch {
    // not JSON: no facts
  }
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : null);
  return { store_id: text('store_id'), store_name: text('store_name'), terminal_id: text('terminal_id'), expires_at: text('expires_at') };
}

/** Refunds are possible within 12 months (seed 003); the refund service enforces 365 days. */
/** Omise embeds the first page of a charge's refunds in the charge. */
const EMBEDDED_REFUNDS = 20;

function parseMetadata(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The charge object with every field of seed 003's example (same keys, same types, nulls where
 * counterpay has nothing to say). `refunds` are the payment's refunds, oldest first.
 */
export function toOmiseCharge(payment: PaymentRow, refunds: readonly RefundRow[], rates: FeeRates, now = new Date()) {
  const id = chargeId(payment.id, payment.livemode === 1);
  const facts = readChargeFacts(payment.dialect_data);
  const status = omiseChargeStatus(payment.status);
  const paid = isRefundable(payment);
  // When an unconfirmed charge really expires: the payment's deadline (a barcode payment's buyer
  // confirmation deadline, after which the gateway cancels at the wallet; a QR code's expiry).
  const deadline = payment.expires_at ?? facts.expires_at ?? null;
  const expiresAt = deadline ? omiseTime(deadline) : null;
  const withinRefundWindow = !payment.paid_at || now.getTime() - Date.parse(payment.paid_at) <= REFUND_WINDOW_MS;
  const livemode = payment.livemode === 1;
  return {
    object: 'charge',
    id,
    location: `/charges/${id}`,
    amount: payment.amount,
    ...feesOf(payment.amount, rates),
    interest: 0,
    interest_vat: 0,
    funding_amount: payment.amount,
    refunded_amount: payment.amount_refunded,
    authorized: paid,
    capturable: false,
    capture: true,
    disputable: false,
    livemode,
    refundable: paid && payment.amount_refunded < payment.amount && withinRefundWindow,
    reversed: false,
    reversible: false,
    voided: false,
    paid,
    expired: status === 'expired',
    platform_fee: { fixed: null, amount: null, percentage: null },
    currency: payment.currency,
    funding_currency: payment.currency,
    ip: null,
    refunds: omiseList(
      refunds.slice(0, EMBEDDED_REFUNDS).map((refund) => toOmiseRefund(refund)),
      `/charges/${id}/refunds`,
      { limit: EMBEDDED_REFUNDS, offset: 0, total: refunds.length, order: 'chronological' },
      now,
    ),
    link: null,
    description: payment.description,
    metadata: parseMetadata(payment.metadata),
    card: null,
    source: {
      object: 'source',
      id: sourceId(payment.id, payment.livemode === 1),
      livemode,
      location: `/sources/${sourceId(payment.id, payment.livemode === 1)}`,
      amount: payment.amount,
      // counterpay never stores a buyer's payment code, only its masked form.
      barcode: payment.barcode_masked,
      created_at: omiseTime(payment.created_at),
      currency: payment.currency,
      email: null,
      flow: 'offline',
      installment_term: null,
      name: null,
      mobile_number: null,
      phone_number: null,
      scannable_code: null,
      references: {
        expires_at: expiresAt,
        device_id: null,
        customer_amount: null,
        customer_currency: null,
        customer_exchange_rate: null,
        omise_tax_id: null,
        reference_number_1: null,
        reference_number_2: null,
        barcode: null,
        payment_code: null,
        va_code: null,
      },
      store_id: facts.store_id,
      store_name: facts.store_name,
      terminal_id: facts.terminal_id,
      type: 'barcode_alipay',
      zero_interest_installments: null,
      charge_status: status,
    },
    schedule: null,
    customer: null,
    dispute: null,
    transaction: paid ? transactionId(payment.id, payment.livemode === 1) : null,
    failure_code: omiseFailureCode(payment.failure_code),
    failure_message: payment.failure_message,
    status,
    authorize_uri: null,
    return_uri: null,
    created_at: omiseTime(payment.created_at),
    paid_at: payment.paid_at ? omiseTime(payment.paid_at) : null,
    expires_at: expiresAt,
    expired_at: status === 'expired' && payment.closed_at ? omiseTime(payment.closed_at) : null,
    reversed_at: null,
    zero_interest_installments: true,
    branch: null,
    terminal: null,
    device: null,
  };
}

export type OmiseCharge = ReturnType<typeof toOmiseCharge>;
