import { Readable } from 'node:stream';
import cookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { WALLETS } from '@counterpay/core';
import type { ReconciliationService } from '../reconciliation/reconciliation-service.ts';
import type { MerchantScope } from '../repositories/scope.ts';
import type { DashboardService } from './dashboard-service.ts';
import { type DashboardSession, type DashboardSessions, SESSION_TTL_MS } from './dashboard-sessions.ts';
import { paymentsCsv } from './payments-csv.ts';
import { dashboardReconciliationRoutes } from './reconciliation-routes.ts';
import { SESSION_COOKIE, assertSameOrigin, dashboardGuard } from './request-guard.ts';
import { chinaDate } from './totals.ts';

export interface DashboardRouteServices {
  dashboard: DashboardService;
  dashboardSessions: DashboardSessions;
  /** The daily reconciliation reports (absent: the dashboard lists none). */
  reconciliation?: ReconciliationService;
}

const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
const Text = (max: number) => Type.Optional(Type.String({ maxLength: max }));
const ListQuery = Type.Object(
  {
    status: Text(16),
    wallet: Text(16),
    store_id: Text(64),
    terminal_id: Text(64),
    from: Text(10),
    to: Text(10),
    q: Text(64),
    limit: Text(3),
    starting_after: Text(64),
  },
  { additionalProperties: false },
);
const WalletText = (description: string) => Type.Optional(Type.String({ maxLength: 20_000, description }));

const scopeOf = (request: FastifyRequest): MerchantScope => ({ merchantId: request.dashboardSession.merchantId, livemode: request.dashboardSession.livemode });

function sessionObject(session: DashboardSession) {
  return {
    object: 'dashboard_session' as const,
    merchant: { id: session.merchantId, name: session.merchantName, currency: session.currency },
    livemode: session.livemode,
    live_allowed: session.liveAllowed,
    expires_at: session.expiresAt,
  };
}

/**
 * The merchant dashboard's server side: sign-in (`/dashboard/session`) and the JSON API the dashboard's
 * pages use (`/dashboard/api/…`), authorised by the session cookie. The pages themselves are static
 * files served with the register's (packages/gateway/src/web).
 */
export const dashboardRoutes = (services: DashboardRouteServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    if (!app.hasRequestDecorator('cookies')) await app.register(cookie);
    const { dashboard, dashboardSessions: sessions } = services;
    // A person's data: never kept by a shared cache or the browser's back-forward cache.
    app.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    app.post(
      '/dashboard/session',
      { schema: { hide: true, body: Type.Object({ key: Type.String({ maxLength: 200 }) }, { additionalProperties: false }) } },
      async (request, reply) => {
        assertSameOrigin(request);
        const { cookieValue, session } = await sessions.signIn(request.body.key);
        reply.setCookie(SESSION_COOKIE, cookieValue, {
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
          path: '/dashboard',
          maxAge: SESSION_TTL_MS / 1000,
        });
        return sessionObject(session);
      },
    );

    app.delete('/dashboard/session', { schema: { hide: true } }, async (request, reply) => {
      assertSameOrigin(request);
      const session = await sessions.resolve(request.cookies[SESSION_COOKIE]);
      if (session) await sessions.signOut(session);
      reply.clearCookie(SESSION_COOKIE, { path: '/dashboard', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
      return { object: 'dashboard_session' as const, signed_out: true };
    });

    await app.register(
      async (plain) => {
        const api = plain.withTypeProvider<TypeBoxTypeProvider>();
        api.addHook('onRequest', dashboardGuard(sessions));
        const hide = { hide: true };

        api.get('/session', { schema: hide }, async (request) => sessionObject(request.dashboardSession));
        api.post('/mode', { schema: { ...hide, body: Type.Object({ livemode: Type.Boolean() }, { additionalProperties: false }) } }, async (request) =>
          sessionObject(await sessions.setMode(request.dashboardSession, request.body.livemode)),
        );

        api.get('/payments', { schema: { ...hide, querystring: ListQuery } }, async (request) => dashboard.listPayments(scopeOf(request), request.query));
        api.get('/payments.csv', { schema: { ...hide, querystring: ListQuery } }, async (request, reply) => {
          const scope = scopeOf(request);
          const rows = dashboard.allPayments(scope, request.query);
          // Bad filters are refused before the first byte is sent (as JSON, not a broken file).
          const first = await rows.next();
          async function* again() {
            if (!first.done) yield first.value;
            yield* rows;
          }
          const mode = scope.livemode ? 'live' : 'test';
          reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="payments-${mode}-${chinaDate(new Date())}.csv"`);
          return reply.send(Readable.from(paymentsCsv(again())));
        });
        api.get('/payments/:id', { schema: { ...hide, params: Id } }, async (request) => dashboard.paymentDetail(scopeOf(request), request.params.id));
        api.post(
          '/payments/:id/refunds',
          { schema: { ...hide, params: Id, body: Type.Object({ amount: Text(24), reason: Text(256), idempotency_key: Text(255) }, { additionalProperties: false }) } },
          async (request) => dashboard.refund(scopeOf(request), request.params.id, { amount: request.body.amount, reason: request.body.reason, idempotencyKey: request.body.idempotency_key }),
        );
        api.post('/payments/:id/cancel', { schema: { ...hide, params: Id } }, async (request) => dashboard.cancel(scopeOf(request), request.params.id));
        api.post('/events/:id/redeliver', { schema: { ...hide, params: Id } }, async (request) => dashboard.redeliver(scopeOf(request), request.params.id));
        api.get('/totals', { schema: hide }, async (request) => dashboard.totals(scopeOf(request)));

        api.get('/places', { schema: hide }, async (request) => dashboard.places(request.dashboardSession.merchantId));
        api.post('/stores', { schema: { ...hide, body: Type.Object({ name: Type.String({ maxLength: 64 }), store_no: Text(32) }, { additionalProperties: false }) } }, async (request) =>
          dashboard.createStore(request.dashboardSession.merchantId, request.body),
        );
        api.post(
          '/terminals',
          { schema: { ...hide, body: Type.Object({ store_id: Type.String({ maxLength: 64 }), name: Type.String({ maxLength: 64 }), terminal_no: Text(32) }, { additionalProperties: false }) } },
          async (request) => dashboard.createTerminal(request.dashboardSession.merchantId, request.body),
        );
        api.post('/operators', { schema: { ...hide, body: Type.Object({ name: Type.String({ maxLength: 64 }), operator_no: Text(32) }, { additionalProperties: false }) } }, async (request) =>
          dashboard.createOperator(request.dashboardSession.merchantId, request.body),
        );

        api.get('/api_keys', { schema: hide }, async (request) => ({ object: 'list' as const, data: await dashboard.apiKeys(scopeOf(request)) }));
        api.post(
          '/api_keys',
          { schema: { ...hide, body: Type.Object({ kind: Type.String({ maxLength: 16 }), terminal_id: Text(64), label: Text(64) }, { additionalProperties: false }) } },
          async (request) => dashboard.createApiKey(scopeOf(request), request.body),
        );
        api.post('/api_keys/:id/revoke', { schema: { ...hide, params: Id } }, async (request) => dashboard.revokeApiKey(scopeOf(request), request.params.id));

        api.get('/webhook_endpoints', { schema: hide }, async (request) => ({ object: 'list' as const, data: await dashboard.endpoints(scopeOf(request)) }));
        api.post(
          '/webhook_endpoints',
          { schema: { ...hide, body: Type.Object({ url: Type.String({ maxLength: 512 }), event_types: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 10 })) }, { additionalProperties: false }) } },
          async (request) => dashboard.createEndpoint(scopeOf(request), request.body),
        );
        api.post('/webhook_endpoints/:id', { schema: { ...hide, params: Id, body: Type.Object({ disabled: Type.Boolean() }, { additionalProperties: false }) } }, async (request) =>
          dashboard.setEndpointDisabled(scopeOf(request), request.params.id, request.body.disabled),
        );
        api.delete('/webhook_endpoints/:id', { schema: { ...hide, params: Id } }, async (request) => dashboard.deleteEndpoint(scopeOf(request), request.params.id));
        api.get('/webhook_endpoints/:id/deliveries', { schema: { ...hide, params: Id } }, async (request) => ({
          object: 'list' as const,
          data: await dashboard.endpointDeliveries(scopeOf(request), request.params.id),
        }));

        api.get('/wallet_accounts', { schema: hide }, async (request) => ({ object: 'list' as const, data: await dashboard.walletAccountList(scopeOf(request)) }));
        api.post(
          '/wallet_accounts',
          {
            schema: {
              ...hide,
              body: Type.Object(
                {
                  wallet: Type.Unsafe<(typeof WALLETS)[number]>({ type: 'string', enum: [...WALLETS] }),
                  app_id: Type.String({ minLength: 1, maxLength: 64 }),
                  endpoint: WalletText('production, sandbox, hk, or a URL'),
                  verify: Type.Optional(Type.Boolean()),
                  private_key: WalletText('Alipay app private key'),
                  alipay_public_key: WalletText('Alipay public key'),
                  app_cert: WalletText('Alipay app certificate'),
                  alipay_cert: WalletText('Alipay certificate'),
                  alipay_root_cert: WalletText('Alipay root certificate'),
                  app_auth_token: WalletText('Alipay app auth token'),
                  mch_id: WalletText('WeChat Pay mch_id'),
                  api_key: WalletText('WeChat Pay API key'),
                  cert_pem: WalletText('WeChat Pay apiclient_cert.pem'),
                  key_pem: WalletText('WeChat Pay apiclient_key.pem'),
                  p12: WalletText('WeChat Pay apiclient_cert.p12, base64'),
                  sub_mch_id: WalletText('WeChat Pay sub-merchant'),
                  sub_app_id: WalletText('WeChat Pay sub-merchant appid'),
                },
                { additionalProperties: false },
              ),
            },
          },
          async (request) => dashboard.connectWalletAccount(scopeOf(request), request.body),
        );
        if (services.reconciliation) await api.register(dashboardReconciliationRoutes(services.reconciliation, scopeOf));
      },
      { prefix: '/dashboard/api' },
    );
  };
