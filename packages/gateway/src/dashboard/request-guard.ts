import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticationError, PermissionError } from '@counterpay/core';
import type { DashboardSession, DashboardSessions } from './dashboard-sessions.ts';

export const SESSION_COOKIE = 'counterpay_dashboard';
/** The header the dashboard's own pages send with every state-changing request. */
export const CSRF_HEADER = 'x-counterpay-dashboard';

declare module 'fastify' {
  interface FastifyRequest {
    dashboardSession: DashboardSession;
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Cross-site request forgery, refused three ways (any one would do; together they survive a browser
 * that lacks one of them):
 * - the cookie is `SameSite=Strict`: a request started from another site carries no session;
 * - every state-changing request must carry the custom header `X-Counterpay-Dashboard: 1`: an HTML
 *   form cannot set a header, and a script on another origin can only by a CORS preflight, which this
 *   gateway never grants (no Access-Control-Allow-* headers anywhere);
 * - when the browser names where the request came from (`Origin`, `Sec-Fetch-Site`), it must be this
 *   very origin. SameSite alone is not enough: another port of the same host (127.0.0.1:8090, the
 *   simulator's pages) is the same *site*, so its requests would carry a Strict cookie.
 * A header check instead of a double-submit token: nothing to store or rotate, and the sign-in form
 * itself is covered (a forged sign-in would put a victim into an attacker's account).
 */
export function assertSameOrigin(request: FastifyRequest): void {
  if (!STATE_CHANGING.has(request.method)) return;
  const refused = () => new PermissionError('This request did not come from the dashboard\'s own pages, so it was refused. Open the dashboard and try again there.', 'cross_site_request');
  if (request.headers[CSRF_HEADER] !== '1') throw refused();
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin') throw refused();
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw refused();
    }
    if (host !== request.headers.host) throw refused();
  }
}

/** onRequest for the dashboard's API: the CSRF checks, then the session from the cookie. */
export function dashboardGuard(sessions: DashboardSessions) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    assertSameOrigin(request);
    const session = await sessions.resolve(request.cookies[SESSION_COOKIE]);
    if (!session) throw new AuthenticationError('You are signed out (or your session expired). Sign in with your secret key.', 'session_missing');
    request.dashboardSession = session;
  };
}
