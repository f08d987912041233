import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ERROR_CODES,
  IdempotencyError,
  NotFoundError,
  NotSupportedError,
  StateError,
  ValidationError,
  WalletError,
  isErrorCode,
} from './errors.ts';

describe('error codes', () => {
  it('are unique snake_case names', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('include the live-mode codes of CONTRACT.md and the refund rules', () => {
    for (const code of ['wallet_not_connected', 'wallet_certificate_missing', 'wallet_unavailable', 'wallet_credentials_rejected', 'livemode_mismatch']) {
      expect(isErrorCode(code)).toBe(true);
    }
    for (const code of ['payment_not_refundable', 'refund_window_expired', 'payment_fully_refunded', 'refund_exceeds_payment', 'payment_not_cancellable']) {
      expect(isErrorCode(code)).toBe(true);
    }
  });

  it('isErrorCode refuses anything that is not a listed code', () => {
    for (const value of ['', 'not_a_code', 'Invalid_Amount', 'toString', '__proto__', 42, null, undefined, {}]) {
      expect(isErrorCode(value)).toBe(false);
    }
  });

  it('error classes accept only listed codes (checked by the type checker)', () => {
    // @ts-expect-error: a code outside ERROR_CODES does not compile
    const unlisted = new StateError('no_such_code', 'x');
    // @ts-expect-error: a code outside ERROR_CODES does not compile
    const unlistedWallet = new WalletError('wallet_on_fire', 'x');
    expect([unlisted.code, unlistedWallet.code]).toEqual(['no_such_code', 'wallet_on_fire']);
  });
});

describe('error classes', () => {
  it('carry the type and default HTTP status of their kind', () => {
    const cases = [
      [new ValidationError('invalid_amount', 'm', 'amount'), 'invalid_request_error', 400],
      [new AuthenticationError(), 'authentication_error', 401],
      [new NotFoundError('payment', 'pay_1'), 'invalid_request_error', 404],
      [new IdempotencyError('idempotency_key_reused', 'm'), 'idempotency_error', 409],
      [new StateError('payment_not_refundable', 'm'), 'invalid_request_error', 400],
      [new WalletError('wallet_unavailable', 'm'), 'wallet_error', 502],
      [new NotSupportedError('QR payments', 'alipay'), 'invalid_request_error', 400],
    ] as const;
    for (const [error, type, status] of cases) {
      expect(error.type).toBe(type);
      expect(error.statusCode).toBe(status);
      expect(isErrorCode(error.code)).toBe(true);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('a missing object says what and which id, with code resource_missing', () => {
    const error = new NotFoundError('refund', 're_123', 'id');
    expect(error).toMatchObject({ code: 'resource_missing', message: 'No such refund: re_123', param: 'id' });
  });
});
