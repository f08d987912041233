import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CounterpayError } from '@counterpay/core';

export interface NativeErrorBody {
  error: { type: string; code: string; message: string; param?: string };
}

/** What a text parameter with a pattern must be, in words (the pattern itself says nothing to a person). */
const PATTERN_WORDS: Record<string, string> = { limit: 'a whole number from 1 to 100' };

/** Ajv's complaint in plain words where it has a better one: the allowed values, the pattern's meaning. */
function plainWords(first: { keyword?: string; params?: unknown } | undefined, param: string | undefined): string | null {
  if (!first || !param) return null;
  const params = (first.params ?? {}) as { allowedValues?: unknown[] };
  if (first.keyword === 'enum' && params.allowedValues) return `${param} must be one of: ${params.allowedValues.join(', ')}.`;
  if (first.keyword === 'pattern' && PATTERN_WORDS[param]) return `${param} must be ${PATTERN_WORDS[param]}.`;
  if (first.keyword === 'required') return `${param} is required.`;
  if (first.keyword === 'additionalProperties') return `${param} is not a parameter of this request.`;
  return null;
}

/** Turns any thrown error into the native `{ error: { type, code, message, param } }`; never a stack. */
export function toNativeError(error: unknown): { statusCode: number; body: NativeErrorBody } {
  if (error instanceof CounterpayError) {
    const body: NativeErrorBody = { error: { type: error.type, code: error.code, message: error.message } };
    if (error.param) body.error.param = error.param;
    return { statusCode: error.statusCode, body };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const first = fastifyError.validation[0];
    const params = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
    const path = first?.instancePath?.replace(/^\//, '').replace(/\//g, '.') ?? '';
    // A missing or unknown property is named by ajv in params, not in the path.
    const leaf = params.missingProperty ?? params.additionalProperty;
    const param = [path, leaf].filter(Boolean).join('.') || undefined;
    const code = params.missingProperty ? 'parameter_missing' : params.additionalProperty ? 'parameter_unknown' : 'parameter_invalid';
    const plain = plainWords(first, param);
    return {
      statusCode: 400,
      body: {
        error: {
          type: 'invalid_request_error',
          code,
          message: plain ?? `${fastifyError.validationContext ?? 'request'}${param ? `.${param}` : ''} ${first?.message ?? 'is invalid'}`,
          ...(param ? { param } : {}),
        },
      },
    };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { statusCode: 400, body: { error: { type: 'invalid_request_error', code: 'invalid_json', message: 'The request body is not valid JSON.' } } };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { statusCode: 413, body: { error: { type: 'invalid_request_error', code: 'body_too_large', message: 'The request body is too large.' } } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { statusCode: 415, body: { error: { type: 'invalid_request_error', code: 'unsupported_media_type', message: 'Send the body as application/json.' } } };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { statusCode: fastifyError.statusCode, body: { error: { type: 'invalid_request_error', code: 'invalid_request', message: fastifyError.message } } };
  }
  return { statusCode: 500, body: { error: { type: 'api_error', code: 'internal_error', message: 'An internal error occurred; it has been logged.' } } };
}

export function nativeErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { statusCode, body } = toNativeError(error);
  if (statusCode >= 500) request.log.error({ err: error }, 'unhandled error');
  void reply.status(statusCode).send(body);
}
