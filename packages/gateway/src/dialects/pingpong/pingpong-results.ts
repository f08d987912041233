import { type Currency, type FailureCode, type PaymentStatus, type RefundStatus, formatDecimalAmount } from '@counterpay/core';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import { PP, PP_DESCRIPTIONS, type PingPongCode } from './pingpong-protocol.ts';

type Biz = Record<string, unknown>;

/**
 * Why a payment failed or closed, as one of the Status Code appendix's codes. PingPong documents no
 * wallet-specific decline codes (its list is worded for cards), so each wallet outcome takes the code
 * that says the same of the buyer's payment means: the payment code is the card. The compiler catches
 * a failure code without a PingPong code.
 */
const DECLINE_CODES: Record<FailureCode, PingPongCode> = {
  insufficient_balance: PP.declinedLimitExceeded,
  invalid_barcode: PP.declinedInvalidCard,
  barcode_expired: PP.declinedExpiredCard,
  payment_rejected: PP.declinedOther,
  // Closed (CLOSED: "outcome due to expiration/cancellation"): the buyer never confirmed or paid in time.
  payment_cancelled: PP.invalidOrExpired,
  payment_expired: PP.invalidOrExpired,
  failed_processing: PP.externalError,
  wallet_unavailable: PP.externalError,
};

const isFailureCode = (code: string | null): code is FailureCode => code !== null && Object.hasOwn(DECLINE_CODES, code);
const declineCode = (fallback: PingPongCode) => (row: { failure_code: string | null }) => (isFailureCode(row.failure_code) ? DECLINE_CODES[row.failure_code] : fallback);

interface StatusView<Row> {
  /** PingPong's status word. */
  status: string;
  /** `resultCode` (and the answer's `code`): 000000 done, 002000 still open, else why it failed. */
  code: (row: Row) => PingPongCode;
  /** When it reached its final state; none while open. A failed one never changes again (`updated_at`). */
  endedAt: (row: Row) => string | null;
}

const PAYMENT_STATUS: Record<PaymentStatus, StatusView<PaymentRow>> = {
  processing: { status: 'PROCESSING', code: () => PP.processing, endedAt: () => null },
  succeeded: { status: 'SUCCESS', code: () => PP.success, endedAt: (p) => p.paid_at ?? p.updated_at },
  failed: { status: 'FAILED', code: declineCode(PP.externalError), endedAt: (p) => p.updated_at },
  closed: { status: 'CLOSED', code: declineCode(PP.invalidOrExpired), endedAt: (p) => p.closed_at ?? p.updated_at },
};

const REFUND_STATUS: Record<RefundStatus, StatusView<RefundRow>> = {
  processing: { status: 'PROCESSING', code: () => PP.processing, endedAt: () => null },
  succeeded: { status: 'SUCCESS', code: () => PP.success, endedAt: (r) => r.succeeded_at ?? r.updated_at },
  // The wallet could not be reached (600001), else the appendix's one refund failure (303000).
  failed: { status: 'FAILED', code: (r) => (r.failure_code === 'wallet_unavailable' ? PP.externalError : PP.refundFailed), endedAt: (r) => r.updated_at },
};

/** `paid_at` is the wallet's own time, to the second: an ending time is never shown before the start. */
function notBefore(at: string | null, start: string): string | null {
  return at !== null && Date.parse(at) < Date.parse(start) ? start : at;
}

/** The merchant's own order id: a later attempt on a failed order has a native order id of its own. */
export function merchantTransactionIdOf(payment: PaymentRow): string {
  const data = JSON.parse(payment.dialect_data) as { merchantTransactionId?: unknown };
  return typeof data.merchantTransactionId === 'string' ? data.merchantTransactionId : payment.merchant_order_id;
}

/**
 * A payment as PingPong's answer (and notification) shows it. `qrImageUrl`: where the QR order's code is
 * served as an image (answers only; the notification table has no QR fields).
 */
export function paymentResult(payment: PaymentRow, qrImageUrl?: string) {
  const view = PAYMENT_STATUS[payment.status];
  const code = view.code(payment);
  const description = PP_DESCRIPTIONS[code];
  const data = JSON.parse(payment.dialect_data) as { requestId?: string; method?: string; remark?: string };
  const endedAt = notBefore(view.endedAt(payment), payment.created_at);
  const biz: Biz = {
    transactionId: payment.id,
    merchantTransactionId: merchantTransactionIdOf(payment),
    requestId: data.requestId,
    amount: formatDecimalAmount(payment.amount, payment.currency as Currency),
    currency: payment.currency,
    status: view.status,
    paymentMethod: { type: data.method },
    // PingPong's query and notification tables: "Transaction initiation time, timestamp"; their examples are milliseconds.
    transactionTime: timestamp(payment.created_at),
    // "Transaction finalization time, timestamp" (query table; unifiedPay table: "in timestamp format").
    ...(endedAt ? { transactionEndingTime: timestamp(endedAt) } : {}),
    resultCode: code,
    resultDescription: description,
    // The wallet side's own reason, where PingPong puts the bank's ("issuerInfo: Bank Response").
    ...(payment.failure_code ? { issuerInfo: { issuerResultCode: payment.failure_code, issuerResultMsg: payment.failure_message ?? '' } } : {}),
    ...(data.remark !== undefined ? { remark: data.remark } : {}),
    // unifiedPay table: qrCode "QR code string that needs to be manually converted into a QR code";
    // qrUrl "URL of the QR code image that can be directly displayed".
    ...(payment.flow === 'qr' && qrImageUrl !== undefined ? { qrCode: payment.qr_code ?? payment.qr_url, qrUrl: qrImageUrl, qrCodeExpired: payment.expires_at } : {}),
  };
  return { code, description, biz };
}

/** A refund as PingPong's answer (and notification) shows it. */
export function refundResult(refund: RefundRow, payment: PaymentRow, merchantRefundId: string) {
  const view = REFUND_STATUS[refund.status];
  const code = view.code(refund);
  const description = PP_DESCRIPTIONS[code];
  const { remark } = JSON.parse(refund.dialect_data) as { remark?: string };
  const endedAt = notBefore(view.endedAt(refund), refund.created_at);
  return {
    code,
    description,
    biz: {
      refundId: refund.id,
      merchantRefundId,
      transactionId: payment.id,
      merchantTransactionId: merchantTransactionIdOf(payment),
      amount: formatDecimalAmount(refund.amount, refund.currency as Currency),
      currency: refund.currency,
      status: view.status,
      resultCode: code,
      resultDescription: description,
      refundTime: timestamp(refund.created_at),
      // "Refund finalization time, timestamp" (refund, refund query and refund notification tables).
      ...(endedAt ? { refundEndingTime: timestamp(endedAt) } : {}),
      ...(remark !== undefined ? { remark } : {}),
    },
  };
}

/** PingPong's timestamps are milliseconds since the epoch, as text (e.g. "1687334372000"). */
function timestamp(iso: string): string {
  return String(Date.parse(iso));
}
