import { CounterpayError, type ErrorCode } from '@counterpay/core';
import { SFP, ScanForPayError } from './scanforpay-protocol.ts';

type ScanForPayCode = (typeof SFP)[keyof typeof SFP];

/** Every counterpay error code as ScanForPay says it (seed 002); the compiler catches a missing one. */
const SCANFORPAY_CODES: Record<ErrorCode, ScanForPayCode> = {
  parameter_missing: SFP.parameterMissing,
  parameter_invalid: SFP.parameterInvalid,
  parameter_unknown: SFP.parameterInvalid,
  invalid_json: SFP.malformedJson,
  invalid_request: SFP.parameterInvalid,
  body_too_large: SFP.parameterInvalid,
  unsupported_media_type: SFP.malformedJson,
  route_not_found: SFP.parameterInvalid,
  invalid_amount: SFP.parameterInvalid,
  amount_too_large: SFP.parameterInvalid,
  invalid_currency: SFP.parameterInvalid,
  invalid_barcode: SFP.parameterInvalid,
  invalid_expiry: SFP.parameterInvalid,
  invalid_endpoint: SFP.parameterInvalid,
  invalid_url: SFP.parameterInvalid,
  invalid_since: SFP.parameterInvalid,
  invalid_event_type: SFP.parameterInvalid,
  invalid_api_key: SFP.unauthorised,
  missing_api_key: SFP.unauthorised,
  session_missing: SFP.unauthorised,
  permission_denied: SFP.unauthorised,
  cross_site_request: SFP.unauthorised,
  resource_missing: SFP.orderNotFound,
  idempotency_key_reused: SFP.duplicateOrder,
  duplicate_merchant_order_id: SFP.duplicateOrder,
  duplicate_merchant_refund_id: SFP.duplicateOrder,
  livemode_mismatch: SFP.duplicateOrder,
  invalid_state_transition: SFP.illegalStatus,
  payment_not_refundable: SFP.illegalStatus,
  refund_window_expired: SFP.illegalStatus,
  payment_fully_refunded: SFP.refundExceeds,
  refund_exceeds_payment: SFP.refundExceeds,
  refund_exceeds_amount_paid: SFP.refundExceeds,
  payment_not_cancellable: SFP.cannotCancel,
  not_a_qr_payment: SFP.illegalStatus,
  qr_bound_to_other_wallet: SFP.illegalStatus,
  not_supported: SFP.parameterInvalid,
  statement_not_published: SFP.parameterInvalid,
  wallet_not_connected: SFP.merchantConfig,
  wallet_certificate_missing: SFP.merchantConfig,
  wallet_account_missing: SFP.merchantConfig,
  wallet_credentials_rejected: SFP.upstreamFailed,
  wallet_unavailable: SFP.upstreamFailed,
  wallet_unreachable: SFP.upstreamFailed,
  internal_error: SFP.unknownError,
};

/** Any error as ScanForPay's code and message; only a fault of ours is `9`. */
export function translateToScanForPay(error: unknown): { code: number; msg: string } {
  if (error instanceof ScanForPayError) return { code: error.code, msg: error.message };
  if (error instanceof CounterpayError) {
    const code = SCANFORPAY_CODES[error.code];
    return { code, msg: code === SFP.parameterInvalid && error.param ? `${error.param}: ${error.message}` : error.message };
  }
  return { code: SFP.unknownError, msg: 'unknown error' };
}
