import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CounterpayError, type ErrorCode } from '@counterpay/core';

/** An Omise error object to answer with; thrown inside the Omise plugin, rendered by its error handler. */
export class OmiseError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OmiseError';
  }
}

/** Omise's `not_found`, naming what was asked for (`charge chrg_test_… was not found`). */
export function omiseNotFound(what: string, id: string): OmiseError {
  const shown = id.slice(0, 100);
  return new OmiseError(404, 'not_found', shown ? `${what} ${shown} was not found` : `${what} was not found`);
}

/** Omise's error object; `location` points at the code's entry in Omise's error reference. */
export function omiseErrorBody(code: string, message: string) {
  return { object: 'error', location: `https://www.omise.co/api-errors#${code.replace(/_/g, '-')}`, code, message };
}

/**
 * What a route does, which decides the Omise code of a refusal: a charge that cannot be created is
 * `invalid_charge`, a refund `failed_refund`, an expiry `failed_expire`; reads fail as `bad_request`.
 */
export type OmiseAction = 'charge' | 'refund' | 'expire' | 'read';

declare module 'fastify' {
  interface FastifyContextConfig {
    omiseAction?: OmiseAction;
  }
}

const REFUSAL_CODE: Record<OmiseAction, string> = { charge: 'invalid_charge', refund: 'failed_refund', expire: 'failed_expire', read: 'bad_request' };

/**
 * Every counterpay error code in Omise's terms (the compiler catches a missing one): `refusal` takes the
 * route's refusal code (invalid_charge, failed_refund, …) with Omise's own words where it has them;
 * `auth` is authentication_failure, `missing` not_found, `backend` Omise's backend_error.
 */
type OmiseKind = { kind: 'refusal'; message?: string } | { kind: 'auth' } | { kind: 'missing' } | { kind: 'backend' };
const refusal = (message?: string): OmiseKind => (message ? { kind: 'refusal', message } : { kind: 'refusal' });
const SAME_KEY = 'Idempotency-Key was already used with different parameters';
const OMISE_ERRORS: Record<ErrorCode, OmiseKind> = {
  parameter_missing: refusal(),
  parameter_invalid: refusal(),
  parameter_unknown: refusal(),
  invalid_json: refusal(),
  invalid_request: refusal(),
  body_too_large: refusal(),
  unsupported_media_type: refusal(),
  route_not_found: { kind: 'missing' },
  invalid_amount: refusal('amount must be a positive integer'),
  amount_too_large: refusal('amount is too large'),
  invalid_currency: refusal(),
  invalid_barcode: refusal(),
  invalid_expiry: refusal(),
  invalid_url: refusal(),
  invalid_endpoint: refusal(),
  invalid_since: refusal(),
  invalid_event_type: refusal(),
  invalid_api_key: { kind: 'auth' },
  missing_api_key: { kind: 'auth' },
  session_missing: { kind: 'auth' },
  permission_denied: { kind: 'auth' },
  cross_site_request: { kind: 'auth' },
  resource_missing: { kind: 'missing' },
  idempotency_key_reused: refusal(SAME_KEY),
  duplicate_merchant_order_id: refusal(SAME_KEY),
  duplicate_merchant_refund_id: refusal(SAME_KEY),
  livemode_mismatch: refusal(SAME_KEY),
  invalid_state_transition: refusal(),
  payment_not_refundable: refusal('charge is not successful and cannot be refunded'),
  refund_window_expired: refusal('charge can only be refunded within 12 months'),
  payment_fully_refunded: refusal('charge has already been fully refunded'),
  refund_exceeds_payment: refusal('amount exceeds the amount of the charge that is left to refund'),
  refund_exceeds_amount_paid: refusal('amount exceeds the amount of the charge'),
  payment_not_cancellable: refusal('charge is not pending and cannot be expired'),
  not_a_qr_payment: refusal(),
  qr_bound_to_other_wallet: refusal(),
  not_supported: refusal(),
  statement_not_published: refusal(),
  wallet_not_connected: refusal('Alipay is not connected for this account in this mode'),
  wallet_certificate_missing: refusal(),
  wallet_account_missing: { kind: 'backend' },
  wallet_credentials_rejected: { kind: 'backend' },
  wallet_unavailable: { kind: 'backend' },
  wallet_unreachable: { kind: 'backend' },
  internal_error: { kind: 'backend' },
};

interface Translated {
  status: number;
  code: string;
  message: string;
}

/** Every failure as an Omise error: the official client rejects its promise on `object: "error"`. */
export function translateToOmise(error: unknown, action: OmiseAction): Translated {
  if (error instanceof OmiseError) return { status: error.statusCode, code: error.code, message: error.message };
  if (error instanceof CounterpayError) {
    const omise = OMISE_ERRORS[error.code];
    switch (omise.kind) {
      case 'auth':
        return { status: 401, code: 'authentication_failure', message: 'authentication failed' };
      case 'missing':
        return { status: 404, code: 'not_found', message: 'charge was not found' };
      case 'backend':
        // The wallet could not be reached or answered nonsense: Omise's backend_error (documented as a 400).
        return { status: 400, code: 'backend_error', message: 'backend error: the wallet could not process the request, please try again' };
      case 'refusal':
        return { status: 400, code: REFUSAL_CODE[action], message: omise.message ?? error.message };
      default: {
        const never: never = omise;
        throw new Error(`unmapped Omise error ${JSON.stringify(never)}`);
      }
    }
  }
  const fastifyError = error as Partial<FastifyError> | null;
  if (fastifyError?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: 'bad_request', message: 'request entity too large' };
  const status = fastifyError?.statusCode;
  if (fastifyError?.validation || (typeof status === 'number' && status >= 400 && status < 500)) {
    return { status: status && status !== 404 ? status : 400, code: 'bad_request', message: 'request could not be read' };
  }
  return { status: 500, code: 'internal_error', message: 'internal server error' };
}

/** The Omise plugin's error handler: an Omise error object with Omise's HTTP status, never a stack. */
export function omiseErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, code, message } = translateToOmise(error, request.routeOptions.config?.omiseAction ?? 'read');
  if (status >= 500) request.log.error({ err: error }, 'unhandled error in the Omise dialect');
  else request.log.debug({ code, status }, 'Omise request refused');
  if (status === 401) void reply.header('www-authenticate', 'Basic realm="Omise"');
  void reply.status(status).type('application/json; charset=utf-8').send(omiseErrorBody(code, message));
}
