import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ValidationError, WALLETS } from '@counterpay/core';
import { isDate } from '../../reconciliation/china-day.ts';
import { DIFFERENCE_KINDS } from '../../reconciliation/match-statement.ts';
import type { ReconciliationService } from '../../reconciliation/reconciliation-service.ts';
import { settlementCsv } from '../../reconciliation/report-view.ts';
import { IdParams, errorResponses, listOf } from './schemas.ts';

const Nullable = <T extends ReturnType<typeof Type.Integer | typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const WalletEnum = Type.Unsafe<(typeof WALLETS)[number]>({ type: 'string', enum: [...WALLETS] });
const DateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A China Standard Time day, YYYY-MM-DD (the wallets\' day).' });
const Money = (description: string) => Type.Integer({ description });

const TotalsFields = {
  currency: Type.String(),
  count: Type.Integer({ description: 'Payment lines.' }),
  gross: Money('Paid, minor units.'),
  refunds: Money('Given back (refunds and reversals), minor units.'),
  fees: Money("The wallet's fees, minor units (a refund returns its share)."),
  net: Money('gross − refunds − fees.'),
};

export const ReconciliationReportSchema = Type.Object(
  {
    id: Type.String({ description: 'recon_…' }),
    object: Type.Literal('reconciliation_report'),
    date: Type.String(),
    merchant: Type.String(),
    mode: Type.Union([Type.Literal('test'), Type.Literal('live')]),
    wallet: WalletEnum,
    matched: Type.Integer({ description: 'Statement lines that agree with counterpay.' }),
    differences: Type.Array(
      Type.Object({
        kind: Type.Unsafe<(typeof DIFFERENCE_KINDS)[number]>({ type: 'string', enum: [...DIFFERENCE_KINDS] }),
        payment: Nullable(Type.String()),
        refund: Nullable(Type.String()),
        wallet: WalletEnum,
        wallet_trade_no: Nullable(Type.String()),
        amount: Money("The wallet's amount when it has the trade, else counterpay's."),
        currency: Type.String(),
        repair: Type.Union([Type.Literal('refunded'), Type.Literal('settled'), Type.Literal('none')], { description: 'What was done: refunded to the buyer, settled as paid, or none (a person must look).' }),
        detail: Type.String(),
      }),
    ),
    unrepaired: Type.Integer({ description: 'Differences with repair `none`.' }),
    currency: Nullable(Type.String({ description: "The day's currency; null when it mixes several (see totals)." })),
    gross: Nullable(Type.Integer()),
    refunds: Nullable(Type.Integer()),
    fees: Nullable(Type.Integer()),
    net: Nullable(Type.Integer()),
    totals: Type.Array(Type.Object(TotalsFields), { description: 'Per currency.' }),
    by_store: Type.Array(Type.Object({ store: Nullable(Type.String()), ...TotalsFields }), { description: 'Per store and currency.' }),
    created_at: Type.String(),
  },
  { description: "One wallet's statement of one China day, matched with counterpay's payments and refunds." },
);

const ListQuery = Type.Object(
  {
    date: Type.Optional(DateText),
    wallet: Type.Optional(WalletEnum),
    limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 10.' })),
    starting_after: Type.Optional(Type.String({ maxLength: 64, description: 'A report id: list the ones after it (older days).' })),
  },
  { additionalProperties: false },
);

const RunBody = Type.Object(
  {
    date: DateText,
    wallet: Type.Optional(WalletEnum),
  },
  { additionalProperties: false },
);

function checkDate(date: string | undefined): void {
  if (date !== undefined && !isDate(date)) throw new ValidationError('parameter_invalid', `date must be a calendar day written YYYY-MM-DD; ${date} is not one.`, 'date');
}

/** `/v1/reconciliation_reports`: the daily reports, and running one now. */
export const reconciliationRoutes =
  (reconciliation: ReconciliationService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/reconciliation_reports',
      { schema: { summary: 'List reconciliation reports, newest day first', tags: ['reconciliation'], querystring: ListQuery, response: { 200: listOf(ReconciliationReportSchema), ...errorResponses } } },
      async (request) => {
        const q = request.query;
        checkDate(q.date);
        const { data, hasMore } = await reconciliation.listReports(request.merchant, {
          limit: q.limit ? Number(q.limit) : 10,
          ...(q.date ? { date: q.date } : {}),
          ...(q.wallet ? { wallet: q.wallet } : {}),
          ...(q.starting_after ? { startingAfter: q.starting_after } : {}),
        });
        return { object: 'list' as const, url: '/v1/reconciliation_reports', has_more: hasMore, data };
      },
    );

    app.post(
      '/reconciliation_reports',
      {
        schema: {
          summary: "Reconcile a day now: download the wallets' statements and match them",
          description: 'Answers one report per wallet whose statement is published (every wallet with an account, or `wallet`). 409 `statement_not_published` when the statement is not there yet.',
          tags: ['reconciliation'],
          body: RunBody,
          response: { 200: listOf(ReconciliationReportSchema), ...errorResponses },
        },
      },
      async (request) => {
        checkDate(request.body.date);
        const data = await reconciliation.runNow(request.merchant, request.body.date, request.body.wallet);
        return { object: 'list' as const, url: '/v1/reconciliation_reports', has_more: false, data };
      },
    );

    app.get(
      '/reconciliation_reports/:id',
      { schema: { summary: 'Retrieve a reconciliation report', tags: ['reconciliation'], params: IdParams, response: { 200: ReconciliationReportSchema, ...errorResponses } } },
      async (request) => reconciliation.getReport(request.merchant, request.params.id),
    );

    app.get(
      '/reconciliation_reports/:id/settlement.csv',
      { schema: { summary: "The day's settlement per store and currency as CSV (exact decimals)", tags: ['reconciliation'], params: IdParams, response: { 200: Type.String(), ...errorResponses } } },
      async (request, reply) => {
        const report = await reconciliation.getReport(request.merchant, request.params.id);
        void reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="settlement-${report.date}-${report.wallet}.csv"`);
        return settlementCsv(report);
      },
    );
  };
