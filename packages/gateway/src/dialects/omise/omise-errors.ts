import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticationError, CounterpayError, IdempotencyError, NotFoundError, StateError } from '@counterpay/core';

/** An Omise error object; thrown inside the Omise plugin and rendered by its error handler. */
export class OmiseError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function omiseErrorBody(code: string, message: string) {
  return { object: 'error', location: `https://www.omise.co/api-errors#${code.replace(/_/g, '-')}`, code, message };
}

/**
 * Every failure inside the Omise dialect becomes an Omise error object with Omise's HTTP status:
 * the official client rejects its promise on `object: "error"`. Never a native error, never a stack.
 */
export function omiseErrorHandler(action: (request: FastifyRequest) => 'charge' | 'refund' | 'expire' | 'other') {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const { status, code, message } = translate(error, action(request));
    if (status >= 500) request.log.error({ err: error }, 'unhandled error in the Omise dialect');
    void reply.status(status).send(omiseErrorBody(code, message));
  };
}

function translate(error: unknown, action: ReturnType<Parameters<typeof omiseErrorHandler>[0]>): { status: number; code: string; message: string } {
  if (error instanceof OmiseError) return { status: error.statusCode, code: error.code, message: error.message };
  if (error instanceof AuthenticationError) return { status: 401, code: 'authentication_failure', message: 'authentication failed' };
  if (error instanceof NotFoundError) return { status: 404, code: 'not_found', message: error.message.replace(/^No such payment/, 'charge was not found') };
  if (error instanceof StateError || error instanceof IdempotencyError) {
    const code = action === 'refund' ? 'failed_refund' : action === 'expire' ? 'failed_expire' : 'invalid_charge';
    return { status: 400, code, message: error.message };
  }
  if (error instanceof CounterpayError && error.statusCode < 500) {
    return { status: 400, code: action === 'refund' ? 'failed_refund' : 'invalid_charge', message: error.param ? `${error.param} ${error.message}` : error.message };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: 'bad_request', message: 'request entity too large' };
  if (fastifyError.code?.startsWith('FST_ERR_CTP') || fastifyError.validation) return { status: 400, code: 'bad_request', message: fastifyError.message.replace(/^.*?: /, '') || 'malformed request' };
  if (error instanceof CounterpayError) return { status: 502, code: 'failed_processing', message: error.message };
  return { status: 500, code: 'internal_error', message: 'an internal error occurred' };
}
