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

export class CounterpayError extends Error {
  constructor(
    readonly type: ErrorType,
    readonly code: string,
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
  constructor(code: string, message: string, param?: string) {
    super('invalid_request_error', code, message, 400, param);
  }
}

/** The API key, signature or credentials are missing or wrong. */
export class AuthenticationError extends CounterpayError {
  constructor(message = 'Invalid API key.', code = 'invalid_api_key') {
    super('authentication_error', code, message, 401);
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
  constructor(code: string, message: string, param?: string) {
    super('idempotency_error', code, message, 409, param);
  }
}

/** The request is well-formed but not allowed in the object's current state (refund too large, not paid…). */
export class StateError extends CounterpayError {
  constructor(code: string, message: string, param?: string) {
    super('invalid_request_error', code, message, 400, param);
  }
}

/** The wallet answered something we could not use, or was unreachable, for a call with no unknown state. */
export class WalletError extends CounterpayError {
  constructor(code: string, message: string) {
    super('wallet_error', code, message, 502);
  }
}

/** A connector was asked for a flow its wallet protocol does not offer. */
export class NotSupportedError extends CounterpayError {
  constructor(flow: string, wallet: string) {
    super('invalid_request_error', 'not_supported', `${wallet} does not support ${flow}.`, 400);
  }
}
