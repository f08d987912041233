import type { AuthenticatedMerchant } from '../../merchants/merchant-service.ts';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';

/** Omise ids are counterpay's with Omise's prefixes: no mapping table, and each maps back. */
export const chargeId = (paymentId: string) => `chrg_test_${paymentId.replace(/^pay_/, '')}`;
export const paymentIdOf = (chargeIdText: string) => (/^chrg_test_[a-z0-9]+$/.test(chargeIdText) ? `pay_${chargeIdText.slice('chrg_test_'.length)}` : null);
export const refundId = (id: string) => `rfnd_test_${id.replace(/^re_/, '')}`;
export const eventId = (id: string) => `evnt_test_${id.replace(/^evt_/, '')}`;
export const eventIdOf = (omiseId: string) => (/^evnt_test_[a-z0-9]+$/.test(omiseId) ? `evt_${omiseId.slice('evnt_test_'.length)}` : null);

const iso = (text: string | null) => (text ? `${text.slice(0, 19)}Z` : null);

/**
 * Omise's pricing: fee = amount × rate, VAT on the fee, net = amount − fee − VAT; integers, half up.
 * With the defaults (1.65%, 7%) the seed's example holds: 400000 → fee 6600, VAT 462, net 392938.
 */
export function omiseFees(amount: number, merchant: Pick<AuthenticatedMerchant, 'feeRateBps' | 'feeVatBps'>) {
  const fee = Math.floor((amount * merchant.feeRateBps + 5000) / 10000);
  const feeVat = Math.floor((fee * merchant.feeVatBps + 5000) / 10000);
  return { fee, fee_vat: feeVat, net: amount - fee - feeVat };
}

function chargeStatus(payment: PaymentRow): 'pending' | 'successful' | 'failed' | 'expired' {
  switch (payment.status) {
    case 'processing':
      return 'pending';
    case 'succeeded':
      return 'successful';
    case 'failed':
      return 'failed';
    case 'closed':
      return 'expired';
  }
}

/** counterpay failure codes → the five Omise documents for Alipay barcode charges. */
export function omiseFailureCode(code: PaymentRow['failure_code']): string | null {
  switch (code) {
    case null:
      return null;
    case 'insufficient_balance':
    case 'payment_cancelled':
    case 'payment_expired':
    case 'payment_rejected':
    case 'failed_processing':
      return code;
    case 'barcode_expired':
    case 'invalid_barcode':
      // The wallet refused the buyer's code: Omise's nearest word is a rejection by the issuer.
      return 'payment_rejected';
  }
}

export function toOmiseRefund(refund: RefundRow) {
  const charge = chargeId(refund.payment_id);
  return {
    object: 'refund',
    id: refundId(refund.id),
    location: `/charges/${charge}/refunds/${refundId(refund.id)}`,
    livemode: false,
    voided: false,
    currency: refund.currency,
    amount: refund.amount,
    metadata: {},
    charge,
    transaction: null,
    status: refund.status === 'succeeded' ? 'closed' : refund.status === 'failed' ? 'failed' : 'pending',
    funding_amount: refund.amount,
    funding_currency: refund.currency,
    created_at: iso(refund.created_at),
  };
}

export function omiseList<T>(data: T[], location: string, opts: { limit: number; offset: number; total: number; order: string; from?: string | null; to?: string | null }) {
  return {
    object: 'list',
    data,
    limit: opts.limit,
    offset: opts.offset,
    total: opts.total,
    location,
    order: opts.order,
    from: opts.from ?? '1970-01-01T00:00:00Z',
    to: opts.to ?? `${new Date().toISOString().slice(0, 19)}Z`,
  };
}

/** The charge object with every field of the seed's example. */
export function toOmiseCharge(payment: PaymentRow, refunds: RefundRow[], merchant: AuthenticatedMerchant) {
  const id = chargeId(payment.id);
  const source = JSON.parse(payment.dialect_data) as { store_id?: string; store_name?: string; terminal_id?: string; source_id?: string; barcode?: string };
  const status = chargeStatus(payment);
  const expiresAt = iso(new Date(Date.parse(payment.created_at) + 24 * 3600 * 1000).toISOString());
  const refundable = payment.status === 'succeeded' && payment.amount_refunded < payment.amount;
  return {
    object: 'charge',
    id,
    location: `/charges/${id}`,
    amount: payment.amount,
    ...omiseFees(payment.amount, merchant),
    interest: 0,
    interest_vat: 0,
    funding_amount: payment.amount,
    refunded_amount: payment.amount_refunded,
    authorized: payment.status === 'succeeded',
    capturable: false,
    capture: true,
    disputable: false,
    livemode: false,
    refundable,
    reversed: false,
    reversible: false,
    voided: false,
    paid: payment.status === 'succeeded',
    expired: status === 'expired',
    platform_fee: { fixed: null, amount: null, percentage: null },
    currency: payment.currency,
    funding_currency: payment.currency,
    ip: null,
    refunds: omiseList(refunds.map(toOmiseRefund), `/charges/${id}/refunds`, { limit: 20, offset: 0, total: refunds.length, order: 'chronological' }),
    link: null,
    description: payment.description,
    metadata: JSON.parse(payment.metadata) as Record<string, string>,
    card: null,
    source: {
      object: 'source',
      id: source.source_id ?? `src_test_${payment.id.replace(/^pay_/, '')}`,
      livemode: false,
      location: `/sources/${source.source_id ?? `src_test_${payment.id.replace(/^pay_/, '')}`}`,
      amount: payment.amount,
      barcode: source.barcode ?? payment.barcode_masked,
      created_at: iso(payment.created_at),
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
      store_id: source.store_id ?? null,
      store_name: source.store_name ?? null,
      terminal_id: source.terminal_id ?? null,
      type: 'barcode_alipay',
      zero_interest_installments: null,
      charge_status: status,
    },
    schedule: null,
    customer: null,
    dispute: null,
    transaction: null,
    failure_code: omiseFailureCode(payment.failure_code),
    failure_message: payment.failure_message,
    status,
    authorize_uri: null,
    return_uri: null,
    created_at: iso(payment.created_at),
    paid_at: iso(payment.paid_at),
    expires_at: expiresAt,
    expired_at: status === 'expired' ? iso(payment.closed_at) : null,
    reversed_at: null,
    zero_interest_installments: true,
    branch: null,
    terminal: null,
    device: null,
  };
}
