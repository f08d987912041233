import type { PaymentStatus, Wallet } from '@counterpay/core';
import type { PaymentRow } from '../../payments/objects.ts';
import { SFP, rfc3339Cst } from './scanforpay-protocol.ts';

const WALLET_NAMES: Record<Wallet, string> = { alipay: 'Alipay', wechat: 'Wechat' };

/**
 * ScanForPay's code, order status (0 pending, 1 paid, 2 failed/closed; 3 refunded is derived) and words
 * per status. Seed 002: any code but 1 tells the merchant the payment failed, so a payment still under
 * way (the buyer entering a password, or an outcome we are still resolving) is code 1 with status 0 —
 * a register that saw a failure code would take a second payment. Failed and closed answer their
 * failure codes (2, 33) with status 2: to the merchant, neither took money.
 */
const ORDER_STATUS: Record<PaymentStatus, { code: number; status: number; msg: (payment: PaymentRow) => string }> = {
  processing: { code: SFP.success, status: 0, msg: () => 'pending: query later' },
  succeeded: { code: SFP.success, status: 1, msg: () => 'success' },
  failed: { code: SFP.failed, status: 2, msg: (p) => p.failure_message ?? 'failed' },
  closed: { code: SFP.orderClosed, status: 2, msg: (p) => p.failure_message ?? 'closed' },
};

/** A payment as ScanForPay's answers and notifications show it. */
export function orderBody(payment: PaymentRow): Record<string, unknown> {
  const shown = ORDER_STATUS[payment.status];
  const refunded = shown.status === 1 && payment.amount_refunded > 0;
  return {
    code: shown.code,
    msg: shown.msg(payment),
    orderNo: payment.id,
    partnerOrderNo: payment.merchant_order_id,
    orderAmount: payment.amount,
    wallet: payment.wallet ? WALLET_NAMES[payment.wallet] : null,
    status: refunded ? 3 : shown.status,
    payTime: payment.paid_at ? rfc3339Cst(payment.paid_at) : null,
    currency: payment.currency,
    // The payer's masked account and id as the wallet named them (Alipay buyer_logon_id/buyer_user_id,
    // WeChat Pay openid, which has no account): never the barcode or the trade number.
    buyer: payment.buyer_account,
    buyerId: payment.buyer_id,
  };
}
