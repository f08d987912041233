import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticationError, CounterpayError, NotFoundError } from '@counterpay/core';

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

/** counterpay's refusals in Omise's words (lower case, about the charge); others keep their message. */
const OMISE_MESSAGES: Record<string, string> = {
  payment_not_refundable: 'charge is not successful and cannot be refunded',
  refund_exceeds_payment: 'amount exceeds the amount of the charge that is left to refund',
  payment_fully_refunded: 'charge has already been fully refunded',
  refund_window_expired: 'charge can only be refunded within 12 months',
  payment_not_cancellable: 'charge is not pending and cannot be expired',
  invalid_amount: 'amount must be a positive integer',
  amount_too_large: 'amount is too large',
  idempotency_key_reused: 'Idempotency-Key was already used with different parameters',
  duplicate_merchant_order_id: 'Idempotency-Key was already used with different parameters',
  duplicate_merchant_refund_id: 'Idempotency-Key was already used with different parameters',
};

interface Translated {
  status: number;
  code: string;
  message: string;
}

/** Every failure as an Omise error: the official client rejects its promise on `object: "error"`. */
export function translateToOmise(error: unknown, action: OmiseAction): Translated {
  if (error instanceof OmiseError) return { status: error.statusCode, code: error.code, message: error.message };
  if (error instanceof AuthenticationError) return { status: 401, code: 'authentication_failure', message: 'authentication failed' };
  if (error instanceof NotFoundError) return { status: 404, code: 'not_found', message: 'charge was not found' };
  if (error instanceof CounterpayError) {
    // The wallet could not be reached or answered nonsense: Omise's backend_error (documented as a 400).
    if (error.statusCode >= 500) return { status: 400, code: 'backend_error', message: 'backend error: the wallet could not process the request, please try again' };
    return { status: 400, code: REFUSAL_CODE[action], message: OMISE_MESSAGES[error.code] ?? error.message };
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
