import type { FastifyInstance } from 'fastify';

/** Largest request body a signed dialect accepts. */
export const DIALECT_BODY_LIMIT = 64 * 1024;

/**
 * Signed protocols verify the exact text received, so inside their plugin every body, whatever its
 * content type, is kept as a string and parsed by the route.
 */
export function readBodiesAsText(app: FastifyInstance, bodyLimit = DIALECT_BODY_LIMIT): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => done(null, body));
}
