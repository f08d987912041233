/**
 * One base error with a type, a code, an HTTP status and the offending parameter; each subclass is a
 * one-liner that says when it is thrown. Dialects render these in their own protocol.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'idempotency_error'
  | 'payment_error'
  | 'wallet_error'
  | 'api_error';

/**
 * Every error code counterpay answers with (native API `error.code`; dialects map them to their own).
 * A new code is added here first, so the list stays the one place that names them all. Dialect codes
 * (Omise `bad_request`, PingPong numbers…) are the dialects' own vocabulary and do not belong here.
 */
export const ERROR_CODES = [
  // Request shape (ValidationError, 400, or the native API's own body/route checks)
  'parameter_missing', // a required field is absent
  'parameter_invalid', // a field has the wrong type or format, or two fields exclude each other
  'parameter_unknown', // a field the schema does not know was sent
  'invalid_json', // the body is not valid JSON
  'invalid_request', // the framework refused the request for another 4xx reason
  'body_too_large', // the body exceeds the size limit (413)
  'unsupported_media_type', // the body is not application/json (415)
  'route_not_found', // no route for this method and path (404)
  'invalid_amount', // an amount is not a positive integer in minor units or not exact decimal text
  'amount_too_large', // an amount is above MAX_AMOUNT_MINOR
  'invalid_currency', // a currency counterpay does not settle
  'invalid_barcode', // a payment code that is neither an Alipay nor a WeChat Pay code
  'invalid_expiry', // a QR code's expires_in is outside the allowed range
  'invalid_url', // a notification URL that is malformed, not http(s), carries credentials or is private in live mode
  'invalid_endpoint', // a wallet endpoint that is neither a known name (production, sandbox, hk) nor an https URL
  'invalid_since', // a list's `since` is not an ISO-8601 time
  'invalid_event_type', // a webhook endpoint subscribes to an event type that does not exist
  // Authentication (AuthenticationError, 401)
  'invalid_api_key', // the key does not belong to any merchant
  'missing_api_key', // no `Authorization: Bearer …` header
  'session_missing', // dashboard: no signed-in session (or it expired)
  // Permission (PermissionError, 403)
  'permission_denied', // the key or session may not do this (a terminal key outside its terminal; a test sign-in asking for live mode)
  'cross_site_request', // dashboard: a state-changing request that did not come from the dashboard's own pages
  // Lookup (NotFoundError, 404)
  'resource_missing', // no such object, or it belongs to another merchant
  // Retries (IdempotencyError, 409)
  'idempotency_key_reused', // an Idempotency-Key reused with a different request
  'duplicate_merchant_order_id', // a merchant_order_id reused with a different payment
  'duplicate_merchant_refund_id', // a merchant_refund_id reused with a different refund
  // State (StateError, 400)
  'invalid_state_transition', // a status change the state machine forbids (a final status stays final)
  'payment_not_refundable', // a refund of a payment that has not succeeded
  'refund_window_expired', // a refund more than 365 days after the payment
  'payment_fully_refunded', // a refund of a payment with nothing left to refund
  'refund_exceeds_payment', // a refund larger than what is left to refund
  'refund_exceeds_amount_paid', // a refund larger than the whole payment (PingPong tells it apart from one larger than what is left)
  'payment_not_cancellable', // a cancel of a payment that is no longer processing
  'not_a_qr_payment', // a QR action on a barcode payment
  'qr_bound_to_other_wallet', // a one-for-all code opened in a second wallet app after the first
  'not_supported', // a flow the wallet's protocol does not offer (NotSupportedError)
  // Reconciliation (409)
  'statement_not_published', // the wallet has not published that day's statement yet: ask again later
  // Wallet accounts: the merchant's setup forbids the call, so nothing is sent (StateError, 400)
  'wallet_not_connected', // live mode: no wallet account is connected for that wallet
  'wallet_certificate_missing', // a WeChat Pay /secapi/ call (reverse, refund) with no client certificate connected
  'livemode_mismatch', // a key, object or wallet account of one mode used with the other mode
  // Wallet calls (WalletError, 502)
  'wallet_account_missing', // test mode: the merchant has no account at the simulator for that wallet
  'wallet_credentials_rejected', // the wallet refused the connected credentials (key, app id or signature)
  'wallet_unavailable', // the wallet could not be reached; nothing was sent
  'wallet_unreachable', // older name of wallet_unavailable that the Omise tests still throw; do not use in new code
  // Anything else (500)
  'internal_error', // an unexpected error; logged, never shown with its stack
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export class CounterpayError extends Error {
  constructor(
    readonly type: ErrorType,
    readonly code: ErrorCode,
    message: string,
    readonly statusCode: number,
    readonly param?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: a field is missing, of the wrong type or out of range. */
export class ValidationError extends CounterpayError {
  constructor(code: ErrorCode, message: string, param?: string) {
    super('invalid_request_error', code, message, 400, param);
  }
}

/** The API key, signature or credentials are missing or wrong. */
export class AuthenticationError extends CounterpayError {
  constructor(message = 'Invalid API key.', code: ErrorCode = 'invalid_api_key') {
    super('authentication_error', code, message, 401);
  }
}

/** The caller is known but may not do this (a terminal key managing settings, a request from another site). */
export class PermissionError extends CounterpayError {
  constructor(message: string, code: ErrorCode = 'permission_denied') {
    super('authentication_error', code, message, 403);
  }
}

/** The object does not exist (or belongs to another merchant). */
export class NotFoundError extends CounterpayError {
  constructor(what: string, id: string, param?: string) {
    super('invalid_request_error', 'resource_missing', `No such ${what}: ${id}`, 404, param);
  }
}

/** A retry reused an idempotency key or merchant order id with different parameters. */
export class IdempotencyError extends CounterpayError {
  constructor(code: ErrorCode, message: string, param?: string) {
    super('idempotency_error', code, message, 409, param);
  }
}

/** The request is well-formed but not allowed in the object's current state (refund too large, not paid…). */
export class StateError extends CounterpayError {
  constructor(code: ErrorCode, message: string, param?: string) {
    super('invalid_request_error', code, message, 400, param);
  }
}

/** The wallet answered something we could not use, or was unreachable, for a call with no unknown state. */
export class WalletError extends CounterpayError {
  constructor(code: ErrorCode, message: string) {
    super('wallet_error', code, message, 502);
  }
}

/** A connector was asked for a flow its wallet protocol does not offer. */
export class NotSupportedError extends CounterpayError {
  constructor(flow: string, wallet: string) {
    super('invalid_request_error', 'not_supported', `${wallet} does not support ${flow}.`, 400);
  }
}
