import { CounterpayError, type ErrorCode } from '@counterpay/core';
import { PP, type PingPongCode, PingPongError } from './pingpong-protocol.ts';

/** Every counterpay error code as PingPong says it (PROTOCOLS.md §1); the compiler catches a missing one. */
const PINGPONG_CODES: Record<ErrorCode, PingPongCode> = {
  parameter_missing: PP.invalidParameter,
  parameter_invalid: PP.invalidParameter,
  parameter_unknown: PP.invalidParameter,
  invalid_json: PP.invalidParameter,
  invalid_request: PP.invalidParameter,
  body_too_large: PP.invalidParameter,
  unsupported_media_type: PP.invalidParameter,
  route_not_found: PP.invalidParameter,
  invalid_amount: PP.invalidParameter,
  amount_too_large: PP.invalidParameter,
  invalid_currency: PP.invalidCurrency,
  invalid_barcode: PP.invalidParameter,
  invalid_expiry: PP.invalidParameter,
  invalid_endpoint: PP.invalidParameter,
  invalid_url: PP.invalidParameter,
  invalid_since: PP.invalidParameter,
  invalid_event_type: PP.invalidParameter,
  invalid_api_key: PP.authenticationFailed,
  missing_api_key: PP.authenticationFailed,
  session_missing: PP.authenticationFailed,
  permission_denied: PP.authenticationFailed,
  cross_site_request: PP.authenticationFailed,
  resource_missing: PP.notFound,
  idempotency_key_reused: PP.duplicate,
  duplicate_merchant_order_id: PP.duplicate,
  duplicate_merchant_refund_id: PP.duplicate,
  livemode_mismatch: PP.duplicate,
  invalid_state_transition: PP.invalidParameter,
  payment_not_refundable: PP.invalidParameter,
  refund_window_expired: PP.refundOutOfTime,
  payment_fully_refunded: PP.refundAboveBalance,
  refund_exceeds_payment: PP.refundAboveBalance,
  refund_exceeds_amount_paid: PP.refundAboveAmount,
  payment_not_cancellable: PP.invalidParameter,
  not_a_qr_payment: PP.invalidParameter,
  qr_bound_to_other_wallet: PP.invalidParameter,
  not_supported: PP.invalidParameter,
  statement_not_published: PP.invalidParameter,
  wallet_not_connected: PP.invalidParameter,
  wallet_certificate_missing: PP.invalidParameter,
  wallet_account_missing: PP.externalError,
  wallet_credentials_rejected: PP.externalError,
  wallet_unavailable: PP.externalTimeout,
  wallet_unreachable: PP.externalTimeout,
  internal_error: PP.internal,
};

/** Any error as PingPong's code and description; only a fault of ours is `500000`. */
export function translateToPingPong(error: unknown): { code: string; description: string } {
  if (error instanceof PingPongError) return { code: error.code, description: error.message };
  if (error instanceof CounterpayError) {
    const code = PINGPONG_CODES[error.code];
    const description = code === PP.invalidParameter && error.param ? `${error.param}: ${error.message}` : error.message;
    return { code, description };
  }
  return { code: PP.internal, description: 'internal error' };
}
