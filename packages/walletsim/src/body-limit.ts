import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';

/** Past this much, an oversized upload is not read to its end: the connection is closed instead. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Answers a body over the limit with its 413 only once the upload is read and discarded. Fastify
 * answers at once and closes the connection while the client is still sending, so the client sees
 * EPIPE or ECONNRESET instead of the 413. Install before registering routes: plugins inherit it.
 */
export function drainOversizedBodies(app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && (await discardRest(request.raw))) {
      // Nothing is left unread, so the connection can stay open for the client's next request.
      reply.removeHeader('connection');
    }
    throw error; // Fastify's own handler answers it (413 for a body too large)
  });
}

/** Reads what is left of a request and throws it away; false if it was cut off or too long to wait for. */
function discardRest(raw: IncomingMessage): Promise<boolean> {
  if (raw.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let discarded = 0;
    const finish = (drained: boolean) => {
      raw.off('data', onData).off('end', onEnd).off('close', onClose);
      resolve(drained);
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > MAX_DRAIN_BYTES) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(raw.complete);
    raw.on('data', onData).on('end', onEnd).on('close', onClose);
    raw.resume();
  });
}
