import { type Currency, type PaymentStatus, type RefundStatus, formatDecimalAmount } from '@counterpay/core';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import { PP } from './pingpong-protocol.ts';

type Biz = Record<string, unknown>;

/** PingPong's status word, code and description for each payment status. */
const PAYMENT_STATUS: Record<PaymentStatus, { status: string; code: string; description: (payment: PaymentRow) => string }> = {
  processing: { status: 'PROCESSING', code: PP.processing, description: () => 'processing' },
  succeeded: { status: 'SUCCESS', code: PP.success, description: () => 'success' },
  failed: { status: 'FAILED', code: PP.externalError, description: (p) => p.failure_message ?? 'failed' },
  closed: { status: 'CLOSED', code: PP.success, description: () => 'success' },
};

const REFUND_STATUS: Record<RefundStatus, { status: string; code: string }> = {
  processing: { status: 'PROCESSING', code: PP.processing },
  succeeded: { status: 'SUCCESS', code: PP.success },
  failed: { status: 'FAILED', code: PP.externalError },
};

/** A payment as PingPong's answer (and notification) shows it. */
export function paymentResult(payment: PaymentRow) {
  const { status, code, description } = PAYMENT_STATUS[payment.status];
  const data = JSON.parse(payment.dialect_data) as { requestId?: string; method?: string; remark?: string };
  const biz: Biz = {
    transactionId: payment.id,
    merchantTransactionId: payment.merchant_order_id,
    requestId: data.requestId,
    amount: formatDecimalAmount(payment.amount, payment.currency as Currency),
    currency: payment.currency,
    status,
    paymentMethod: { type: data.method },
    // PingPong's query and notification tables: "Transaction initiation time, timestamp"; their examples are milliseconds.
    transactionTime: timestamp(payment.created_at),
    ...(data.remark !== undefined ? { remark: data.remark } : {}),
    ...(payment.failure_code ? { resultCode: payment.failure_code, resultDescription: payment.failure_message } : {}),
    ...(payment.flow === 'qr' ? { qrCode: payment.qr_code ?? payment.qr_url, qrUrl: payment.qr_url, qrCodeExpired: payment.expires_at } : {}),
  };
  return { code, description: description(payment), biz };
}

/** A refund as PingPong's answer (and notification) shows it. */
export function refundResult(refund: RefundRow, payment: PaymentRow, merchantRefundId: string) {
  const { status, code } = REFUND_STATUS[refund.status];
  const { remark } = JSON.parse(refund.dialect_data) as { remark?: string };
  return {
    code,
    description: status.toLowerCase(),
    biz: {
      refundId: refund.id,
      merchantRefundId,
      transactionId: payment.id,
      merchantTransactionId: payment.merchant_order_id,
      amount: formatDecimalAmount(refund.amount, refund.currency as Currency),
      currency: refund.currency,
      status,
      refundTime: timestamp(refund.created_at),
      ...(remark !== undefined ? { remark } : {}),
    },
  };
}

/** PingPong's timestamps are milliseconds since the epoch, as text (e.g. "1687334372000"). */
function timestamp(iso: string): string {
  return String(Date.parse(iso));
}
