import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ValidationError } from '@counterpay/core';
import { toPaymentObject, toRefundObject } from '../../payments/objects.ts';
import type { Services } from '../../services.ts';
import {
  CreatePaymentBody,
  CreateRefundBody,
  IdParams,
  IdempotencyHeaders,
  ListPaymentsQuery,
  PaymentSchema,
  RefundSchema,
  errorResponses,
  listOf,
} from './schemas.ts';

const MAX_WAIT_MS = 30_000;

function waitMs(services: Services, seconds: number | undefined): number {
  return seconds === undefined ? services.config.defaultWaitMs : Math.min(seconds * 1000, MAX_WAIT_MS);
}

/** Native API v1: payments and their refunds. Handlers only translate; the services decide. */
export const paymentsRoutes = (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/payments',
      {
        schema: {
          summary: 'Create a payment (barcode: the cashier scanned the buyer\'s code)',
          tags: ['payments'],
          headers: IdempotencyHeaders,
          body: CreatePaymentBody,
          response: { 200: PaymentSchema, 201: PaymentSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (body.qr !== undefined) {
          throw new ValidationError('qr_not_available', 'QR payments are not available on this gateway yet; send `barcode`.', 'qr');
        }
        if (body.barcode === undefined) throw new ValidationError('parameter_missing', 'Send `barcode` (the code scanned from the buyer\'s wallet app).', 'barcode');
        const payment = await services.payments.createBarcodePayment(
          request.merchant.id,
          {
            amount: body.amount,
            currency: body.currency,
            merchantOrderId: body.merchant_order_id,
            barcode: body.barcode,
            description: body.description ?? null,
            storeId: body.store_id ?? null,
            terminalId: body.terminal_id ?? null,
            operatorId: body.operator_id ?? null,
            notifyUrl: body.notify_url ?? null,
            metadata: body.metadata ?? {},
          },
          { idempotencyKey: request.headers['idempotency-key'], waitMs: waitMs(services, body.wait_seconds) },
        );
        return reply.status(200).send(toPaymentObject(payment));
      },
    );

    app.get(
      '/payments/:id',
      { schema: { summary: 'Retrieve a payment', tags: ['payments'], params: IdParams, response: { 200: PaymentSchema, ...errorResponses } } },
      async (request) => toPaymentObject(await services.payments.getPayment(request.merchant.id, request.params.id)),
    );

    app.get(
      '/payments',
      {
        schema: {
          summary: 'List payments, newest first',
          tags: ['payments'],
          querystring: ListPaymentsQuery,
          response: { 200: listOf(PaymentSchema), ...errorResponses },
        },
      },
      async (request) => {
        const q = request.query;
        const { data, hasMore } = await services.payments.listPayments(request.merchant.id, {
          limit: q.limit ? Number(q.limit) : 10,
          ...(q.merchant_order_id ? { merchantOrderId: q.merchant_order_id } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.starting_after ? { startingAfter: q.starting_after } : {}),
        });
        return { object: 'list' as const, url: '/v1/payments', has_more: hasMore, data: data.map(toPaymentObject) };
      },
    );

    app.post(
      '/payments/:id/cancel',
      {
        schema: {
          summary: 'Cancel a processing payment at the wallet',
          tags: ['payments'],
          params: IdParams,
          body: Type.Optional(Type.Object({ wait_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })) }, { additionalProperties: false })),
          response: { 200: PaymentSchema, ...errorResponses },
        },
      },
      async (request) =>
        toPaymentObject(await services.payments.cancelPayment(request.merchant.id, request.params.id, waitMs(services, request.body?.wait_seconds))),
    );

    app.post(
      '/payments/:id/refunds',
      {
        schema: {
          summary: 'Refund a payment, in full or in part',
          tags: ['refunds'],
          params: IdParams,
          headers: IdempotencyHeaders,
          body: Type.Optional(CreateRefundBody),
          response: { 200: RefundSchema, ...errorResponses },
        },
      },
      async (request) => {
        const body = request.body ?? {};
        const refund = await services.refunds.createRefund(
          request.merchant.id,
          request.params.id,
          { amount: body.amount, merchantRefundId: body.merchant_refund_id ?? null, reason: body.reason ?? null },
          { idempotencyKey: request.headers['idempotency-key'], waitMs: waitMs(services, body.wait_seconds) },
        );
        return toRefundObject(refund);
      },
    );

    app.get(
      '/payments/:id/refunds',
      { schema: { summary: 'List a payment\'s refunds', tags: ['refunds'], params: IdParams, response: { 200: listOf(RefundSchema), ...errorResponses } } },
      async (request) => {
        const rows = await services.refunds.listRefunds(request.merchant.id, request.params.id);
        return { object: 'list' as const, url: `/v1/payments/${request.params.id}/refunds`, has_more: false, data: rows.map(toRefundObject) };
      },
    );

    app.get(
      '/refunds/:id',
      { schema: { summary: 'Retrieve a refund', tags: ['refunds'], params: IdParams, response: { 200: RefundSchema, ...errorResponses } } },
      async (request) => toRefundObject(await services.refunds.getRefund(request.merchant.id, request.params.id)),
    );
  };
