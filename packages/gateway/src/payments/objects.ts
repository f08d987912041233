import type { PaymentLateSuccessColumns } from '@counterpay/db';
import type { PaymentRow } from '../repositories/payment-repository.ts';
import type { RefundRow } from '../repositories/refund-repository.ts';

export type { PaymentRow, RefundRow };

/** The native API's payment object (CONTRACT.md); also the `data.object` of payment events. */
export function toPaymentObject(row: PaymentRow & Partial<PaymentLateSuccessColumns>) {
  return {
    id: row.id,
    object: 'payment' as const,
    status: row.status,
    wallet: row.wallet,
    flow: row.flow,
    amount: row.amount,
    currency: row.currency,
    amount_refunded: row.amount_refunded,
    merchant_order_id: row.merchant_order_id,
    barcode: row.barcode_masked,
    qr_code: row.qr_code,
    qr_url: row.qr_url,
    expires_at: row.expires_at,
    failure_code: row.failure_code,
    failure_message: row.failure_message,
    wallet_transaction_id: row.wallet_transaction_id,
    // The payer as the wallet names them (Alipay: masked login and 2088… id; WeChat Pay: openid, no account).
    buyer: row.buyer_account !== null || row.buyer_id !== null ? { account: row.buyer_account, id: row.buyer_id } : null,
    description: row.description,
    store_id: row.store_id,
    terminal_id: row.terminal_id,
    operator_id: row.operator_id,
    dialect: row.dialect,
    created_at: row.created_at,
    paid_at: row.paid_at,
    closed_at: row.closed_at,
    livemode: row.livemode === 1,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    // Only on a payment the wallet charged after counterpay closed or failed it (a late success).
    ...(row.late_success_action
      ? { late_success: { amount: row.late_paid_amount ?? null, wallet_transaction_id: row.late_wallet_transaction_id ?? null, paid_at: row.late_paid_at ?? null, action: row.late_success_action } }
      : {}),
  };
}

export type PaymentObject = ReturnType<typeof toPaymentObject>;

export function toRefundObject(row: RefundRow) {
  return {
    id: row.id,
    object: 'refund' as const,
    payment: row.payment_id,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    merchant_refund_id: row.merchant_refund_id,
    reason: row.reason,
    failure_code: row.failure_code,
    failure_message: row.failure_message,
    wallet_refund_id: row.wallet_refund_id,
    created_at: row.created_at,
    succeeded_at: row.succeeded_at,
    livemode: row.livemode === 1,
  };
}

export type RefundObject = ReturnType<typeof toRefundObject>;
