import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { DIALECT_BODY_LIMIT } from '../shared/raw-bodies.ts';
import { omiseBasicAuth } from './omise-auth.ts';
import { readOmiseBody } from './omise-body.ts';
import { omiseChargeRoutes } from './omise-charge-routes.ts';
import { OmiseError, omiseErrorHandler } from './omise-errors.ts';
import { omiseEventRoutes } from './omise-event-routes.ts';
import { OmiseQueries } from './omise-queries.ts';

/** The services the Omise dialect uses. */
export type OmiseServices = Pick<Services, 'config' | 'merchants' | 'payments' | 'refunds' | 'dialectEvents'>;

/** Per Omise collection, the methods its own path is not served with (GET, and POST for charges, are). */
const UNSERVED_METHODS: Record<string, Array<'POST' | 'DELETE' | 'PATCH' | 'PUT' | 'OPTIONS'>> = {
  '/charges': ['DELETE', 'PATCH', 'PUT', 'OPTIONS'],
  '/events': ['POST', 'DELETE', 'PATCH', 'PUT', 'OPTIONS'],
};

/**
 * The Omise API (seed 003, PROTOCOLS.md §3) at the root, as api.omise.co serves it: Alipay barcode
 * charges, expiry, refunds and `charge.complete` events, for merchants whose code (or the official
 * `omise` client) already speaks Omise. This plugin only authenticates, translates and renders;
 * payment rules live in the payment and refund services.
 *
 * Everything that can fail inside it — a wrong key, a bad body, an unknown charge or path, a refusal
 * of the services, a crash — is answered as an Omise error object with Omise's HTTP status.
 */
export const omisePlugin =
  (services: OmiseServices): FastifyPluginAsync =>
  async (app) => {
    const queries = new OmiseQueries(services.payments, services.refunds, services.merchants, services.dialectEvents);

    // Bodies are JSON (the official client, even when empty) or form-encoded (curl -d), whatever the
    // content type claims; reading them here turns malformed ones into Omise's bad_request.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: DIALECT_BODY_LIMIT }, (request, body, done) => {
      try {
        done(null, readOmiseBody(String(body), request.headers['content-type']));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    app.setErrorHandler(omiseErrorHandler);
    app.addHook('onRequest', omiseBasicAuth(services.merchants));

    await app.register(omiseChargeRoutes(services, queries));
    await app.register(omiseEventRoutes(queries));

    // The Omise paths no route serves get Omise's not_found rather than the native API's 404, so the
    // official client rejects instead of resolving with a foreign body. (The app's not-found handler
    // belongs to the root prefix, which this plugin shares, so these are routes.)
    const notFound = async (request: FastifyRequest) => {
      throw new OmiseError(404, 'not_found', `${request.method} ${request.url.split('?')[0]!.slice(0, 100)} was not found`);
    };
    for (const [root, methods] of Object.entries(UNSERVED_METHODS)) {
      app.route({ method: methods, url: root, schema: { hide: true }, handler: notFound });
      app.all(`${root}/*`, { schema: { hide: true } }, notFound);
    }
  };
