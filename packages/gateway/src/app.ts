import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import { nativeErrorHandler } from './api/errors.ts';
import { bearerAuth } from './api/auth.ts';
import { terminalKeyGuard } from './api/terminal-key-guard.ts';
import { paymentsRoutes } from './api/v1/payments-routes.ts';
import { notificationsRoutes } from './api/v1/notifications-routes.ts';
import { walletAccountsRoutes } from './api/v1/wallet-accounts-routes.ts';
import { reconciliationRoutes } from './api/v1/reconciliation-routes.ts';
import { settingsRoutes } from './api/v1/settings-routes.ts';
import { registerMetrics } from './metrics.ts';
import { qrPageRoutes } from './api/qr-page-routes.ts';
import { omisePlugin } from './dialects/omise/omise-plugin.ts';
import { scanForPayPlugin } from './dialects/scanforpay/scanforpay-plugin.ts';
import { pingPongPlugin } from './dialects/pingpong/pingpong-plugin.ts';
import { PINGPONG_DOCS } from './dialects/pingpong/pingpong-docs.ts';
import { SCANFORPAY_DOCS } from './dialects/scanforpay/scanforpay-docs.ts';
import { OMISE_DOCS } from './dialects/omise/omise-docs.ts';
import { API_TAGS, documentRoutes } from './api/route-docs.ts';
import { walletNotifyRoutes } from './api/wallet-notify-routes.ts';
import { webRoutes } from './web/web-routes.ts';
import { dashboardRoutes } from './dashboard/dashboard-routes.ts';
import type { Services } from './services.ts';

/** Paths whose values must never reach the logs. */
const REDACT = ['req.headers.authorization', 'req.headers["idempotency-key"]', 'req.body.barcode'];

/** Fastify's request logs at debug (LOG_LEVEL=debug shows them): the default output keeps to outcomes and problems. */
class DebugRequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.debug({ method: request.method, url: request.url }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) return super.requestCompleted(error, request, reply);
    if (!this.isLogDisabled(request)) reply.log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: Math.round(reply.elapsedTime) }, 'request completed');
  }
}

/** Wires plugins only: each API family is an encapsulated plugin with its own error rendering. */
export async function buildApp(services: Services, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new DebugRequestLogs(),
    bodyLimit: 1024 * 1024,
    // Types are checked, not coerced: "100" is not an amount. Unknown fields are rejected, not dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(nativeErrorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { type: 'invalid_request_error', code: 'route_not_found', message: `No route ${request.method} ${request.url}.` } });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'counterpay native API', version: 'v1', description: 'In-store Alipay and WeChat Pay payments. Amounts are integers in minor units.' },
      tags: API_TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Your secret key, sk_test_…' },
          omiseBasic: { type: 'http', scheme: 'basic', description: 'Omise: your Omise secret key (skey_test_…) as the user name, empty password.' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: documentRoutes([...PINGPONG_DOCS, ...SCANFORPAY_DOCS, ...OMISE_DOCS]),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  registerMetrics(app, services.metrics);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => {
    await services.merchants.ping();
    return { status: 'ok', database: services.databaseKind };
  });

  await app.register(qrPageRoutes(services.qrPayments));
  await app.register(omisePlugin(services));
  await app.register(scanForPayPlugin(services));
  await app.register(pingPongPlugin(services));
  await app.register(walletNotifyRoutes(services.walletNotifications));
  // The register and dashboard pages, with their own security headers (the APIs keep theirs).
  await app.register(webRoutes());
  await app.register(dashboardRoutes(services));
  await app.register(
    async (v1) => {
      // The native API speaks JSON only: other bodies are refused (415), not half-parsed.
      v1.removeContentTypeParser('text/plain');
      v1.addHook('onRequest', bearerAuth(services.merchants));
      v1.addHook('preHandler', terminalKeyGuard(services));
      // A POST without a body (curl -X POST, or an empty JSON body) means "no parameters", as {} does.
      v1.addHook('onRequest', async (request) => {
        if (request.headers['content-length'] === '0') delete request.headers['content-type'];
      });
      v1.addHook('preValidation', async (request) => {
        if (request.method === 'POST' && request.body == null) request.body = {};
      });
      await v1.register(paymentsRoutes(services));
      await v1.register(notificationsRoutes(services));
      await v1.register(walletAccountsRoutes(services.walletAccounts));
      await v1.register(reconciliationRoutes(services.reconciliation));
      await v1.register(settingsRoutes(services.lateSuccess));
    },
    { prefix: '/v1' },
  );
  return app;
}

export { REDACT };
