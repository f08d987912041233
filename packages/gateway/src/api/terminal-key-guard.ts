import type { FastifyRequest } from 'fastify';
import { NotFoundError, PermissionError } from '@counterpay/core';
import type { Services } from '../services.ts';

/**
 * What a terminal key (`tk_…`, the cash register's) may do in the native API: take payments and refunds
 * at its own terminal, and read them. Everything else (webhooks, wallet accounts, events) is the
 * merchant's and answers 403; another terminal's payment is not found (404), as another merchant's is.
 */
const TERMINAL_ROUTES = new Set([
  'POST /v1/payments',
  'GET /v1/payments',
  'GET /v1/payments/:id',
  'GET /v1/payments/:id/qr.png',
  'GET /v1/payments/:id/qr.svg',
  'POST /v1/payments/:id/cancel',
  'POST /v1/payments/:id/refunds',
  'GET /v1/payments/:id/refunds',
  'GET /v1/refunds/:id',
]);

type GuardServices = Pick<Services, 'payments' | 'refunds'>;

/** A preHandler (after validation, so the body and params are known) for the native API. */
export function terminalKeyGuard(services: GuardServices) {
  return async (request: FastifyRequest): Promise<void> => {
    const binding = request.merchant?.terminal;
    if (!binding) return;
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    if (!TERMINAL_ROUTES.has(route)) {
      throw new PermissionError('A terminal key may only take and refund payments at its own terminal. Use the merchant\'s secret key (or the dashboard) for this.');
    }
    if (route === 'POST /v1/payments') {
      const body = request.body as { store_id?: string; terminal_id?: string };
      if ((body.store_id !== undefined && body.store_id !== binding.storeId) || (body.terminal_id !== undefined && body.terminal_id !== binding.terminalId)) {
        throw new PermissionError(`This terminal key takes payments for terminal ${binding.terminalId} of store ${binding.storeId} only.`);
      }
      body.store_id = binding.storeId;
      body.terminal_id = binding.terminalId;
      return;
    }
    const id = (request.params as { id?: string }).id;
    if (id === undefined) return;
    const paymentId = route === 'GET /v1/refunds/:id' ? (await services.refunds.getRefund(request.merchant, id)).payment_id : id;
    const payment = await services.payments.getPayment(request.merchant, paymentId);
    if (payment.terminal_id !== binding.terminalId) throw new NotFoundError(route === 'GET /v1/refunds/:id' ? 'refund' : 'payment', id, 'id');
  };
}
