import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import QRCode from 'qrcode';
import { StateError, ValidationError } from '@counterpay/core';
import { toPaymentObject, toRefundObject } from '../../payments/objects.ts';
import type { CommonPaymentInput } from '../../payments/payment-service.ts';
import type { Services } from '../../services.ts';

/** The services the native payments API uses. */
export type PaymentApiServices = Pick<Services, 'config' | 'payments' | 'qrPayments' | 'refunds'>;
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

function waitMs(services: PaymentApiServices, seconds: number | undefined): number {
  return seconds === undefined ? services.config.defaultWaitMs : Math.min(seconds * 1000, MAX_WAIT_MS);
}

function commonInput(body: CreatePaymentBody): CommonPaymentInput {
  return {
    amount: body.amount,
    currency: body.currency,
    merchantOrderId: body.merchant_order_id,
    description: body.description ?? null,
    storeId: body.store_id ?? null,
    terminalId: body.terminal_id ?? null,
    operatorId: body.operator_id ?? null,
    notifyUrl: body.notify_url ?? null,
    metadata: body.metadata ?? {},
  };
}

/** Native API v1: payments and their refunds. Handlers only translate; the services decide. */
export const paymentsRoutes = (services: PaymentApiServices): FastifyPluginAsyncTypebox =>
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
        if (body.qr !== undefined && body.barcode !== undefined) {
          throw new ValidationError('parameter_invalid', 'Send either `barcode` (the buyer shows a code) or `qr` (the register shows one), not both.', 'qr');
        }
        if (body.qr !== undefined) {
          const payment = await services.qrPayments.createQrPayment(
            request.merchant,
            { ...commonInput(body), wallet: body.qr.wallet, expiresInS: body.qr.expires_in },
            { idempotencyKey: request.headers['idempotency-key'] },
          );
          return reply.status(200).send(toPaymentObject(payment));
        }
        if (body.barcode === undefined) throw new ValidationError('parameter_missing', 'Send `barcode` (the code scanned from the buyer\'s wallet app) or `qr`.', 'barcode');
        const payment = await services.payments.createBarcodePayment(
          request.merchant,
          { ...commonInput(body), barcode: body.barcode },
          { idempotencyKey: request.headers['idempotency-key'], waitMs: waitMs(services, body.wait_seconds) },
        );
        return reply.status(200).send(toPaymentObject(payment));
      },
    );

    app.get(
      '/payments/:id',
      { schema: { summary: 'Retrieve a payment', tags: ['payments'], params: IdParams, response: { 200: PaymentSchema, ...errorResponses } } },
      async (request) => toPaymentObject(await services.payments.getPayment(request.merchant, request.params.id)),
    );

    for (const format of ['png', 'svg'] as const) {
      app.get(
        `/payments/:id/qr.${format}`,
        { schema: { summary: `The payment's QR code as ${format.toUpperCase()}`, tags: ['payments'], params: IdParams } },
        async (request, reply) => {
          const payment = await services.payments.getPayment(request.merchant, request.params.id);
          const content = payment.qr_code ?? payment.qr_url;
          if (payment.flow !== 'qr' || !content) throw new StateError('not_a_qr_payment', 'This payment has no QR code.', 'id');
          if (format === 'png') return reply.type('image/png').send(await QRCode.toBuffer(content, { type: 'png', margin: 2, width: 320 }));
          return reply.type('image/svg+xml').send(await QRCode.toString(content, { type: 'svg', margin: 2 }));
        },
      );
    }

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
        const { data, hasMore } = await services.payments.listPayments(request.merchant, {
          limit: q.limit ? Number(q.limit) : 10,
          // A terminal key lists its own terminal's payments only (whatever terminal_id says).
          ...(q.terminal_id ? { terminalId: q.terminal_id } : {}),
          ...(request.merchant.terminal ? { terminalId: request.merchant.terminal.terminalId } : {}),
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
        toPaymentObject(await services.payments.cancelPayment(request.merchant, request.params.id, waitMs(services, request.body?.wait_seconds))),
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
          request.merchant,
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
        const rows = await services.refunds.listRefunds(request.merchant, request.params.id);
        return { object: 'list' as const, url: `/v1/payments/${request.params.id}/refunds`, has_more: false, data: rows.map(toRefundObject) };
      },
    );

    app.get(
      '/refunds/:id',
      { schema: { summary: 'Retrieve a refund', tags: ['refunds'], params: IdParams, response: { 200: RefundSchema, ...errorResponses } } },
      async (request) => toRefundObject(await services.refunds.getRefund(request.merchant, request.params.id)),
    );
  };
