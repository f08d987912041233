import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { ReconciliationService } from '../reconciliation/reconciliation-service.ts';
import { settlementCsv } from '../reconciliation/report-view.ts';
import type { MerchantScope } from '../repositories/scope.ts';

const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ListQuery = Type.Object(
  { starting_after: Type.Optional(Type.String({ maxLength: 64 })), limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$' })) },
  { additionalProperties: false },
);

/** The dashboard's reconciliation reports (session-authorised by the enclosing `/dashboard/api` scope). */
export const dashboardReconciliationRoutes =
  (reconciliation: ReconciliationService, scopeOf: (request: FastifyRequest) => MerchantScope): FastifyPluginAsyncTypebox =>
  async (api) => {
    const hide = { hide: true };
    api.get('/reconciliation_reports', { schema: { ...hide, querystring: ListQuery } }, async (request) => {
      const { data, hasMore } = await reconciliation.listReports(scopeOf(request), {
        limit: request.query.limit ? Number(request.query.limit) : 30,
        ...(request.query.starting_after ? { startingAfter: request.query.starting_after } : {}),
      });
      return { object: 'list' as const, has_more: hasMore, data };
    });
    api.get('/reconciliation_reports/:id', { schema: { ...hide, params: Id } }, async (request) => reconciliation.getReport(scopeOf(request), request.params.id));
    api.get('/reconciliation_reports/:id/settlement.csv', { schema: { ...hide, params: Id } }, async (request, reply) => {
      const report = await reconciliation.getReport(scopeOf(request), request.params.id);
      void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="settlement-${report.date}-${report.wallet}.csv"`);
      return settlementCsv(report);
    });
  };
