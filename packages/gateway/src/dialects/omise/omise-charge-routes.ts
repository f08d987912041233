import { createHash, randomUUID } from 'node:crypto';
import { type RefundStatus, isCancellable } from '@counterpay/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AuthenticatedMerchant } from '../../merchants/merchant-service.ts';
import type { PaymentRow } from '../../payments/objects.ts';
import type { Services } from '../../services.ts';
import { omiseMerchant } from './omise-auth.ts';
import type { OmiseBody } from './omise-body.ts';
import { type OmiseChargeFacts, omiseChargeStatus, toOmiseCharge } from './omise-charge-object.ts';
import { OmiseError, omiseNotFound } from './omise-errors.ts';
import { chargeId } from './omise-ids.ts';
import { omiseList, toOmiseRefund } from './omise-objects.ts';
import type { OmiseQueries } from './omise-queries.ts';
import { readChargeRequest, readIdempotencyKey, readListQuery, readRefundRequest } from './omise-requests.ts';

/**
 * Omise answers a barcode charge at once with `pending`; counterpay waits this long for the wallet
 * so that instant outcomes (most of them) come back final, and pending ones finish by webhook.
 */
const CREATE_WAIT_MS = 3000;
/** Expire cancels at the wallet; a confirmed cancel usually takes one wallet call. */
const EXPIRE_WAIT_MS = 3000;
const REFUND_WAIT_MS = 3000;

type IdParams = { id: string };
/** A refund the wallet refused is an error to Omise merchants, not a refund. */
const REFUSED: Record<RefundStatus, boolean> = { processing: false, succeeded: false, failed: true };

/**
 * Omise charges carry no order id: each gets its own, or one made from the Idempotency-Key so that a
 * retry finds the first charge. Kept within the native API's 64 characters (long keys are hashed).
 */
function merchantOrderIdFor(idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return `omise:${randomUUID()}`;
  return `omise:${idempotencyKey.length <= 58 ? idempotencyKey : createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 58)}`;
}
const bodyOf = (request: FastifyRequest): OmiseBody => (request.body ?? {}) as OmiseBody;
/** Omise routes stay out of the native API's OpenAPI document (they are Omise's API, not counterpay's). */
const hidden = { hide: true };

/** Charges and their refunds: `/charges`, `/charges/:id`, `/charges/:id/expire`, `/charges/:id/refunds`. */
export const omiseChargeRoutes =
  (services: Pick<Services, 'config' | 'payments' | 'refunds'>, queries: OmiseQueries): FastifyPluginAsync =>
  async (app) => {
    const findCharge = async (merchant: AuthenticatedMerchant, id: string): Promise<PaymentRow> => {
      const payment = await queries.charge(merchant, id);
      if (!payment) throw omiseNotFound('charge', id);
      return payment;
    };
    const renderCharges = async (payments: PaymentRow[], merchant: AuthenticatedMerchant) => {
      const refunds = await queries.refundsOf(payments.map((p) => p.id));
      return payments.map((payment) => toOmiseCharge(payment, refunds.get(payment.id) ?? [], merchant));
    };
    const renderCharge = async (payment: PaymentRow, merchant: AuthenticatedMerchant) => (await renderCharges([payment], merchant))[0]!;

    app.post('/charges', { schema: hidden, config: { omiseAction: 'charge' } }, async (request) => {
      const merchant = omiseMerchant(request);
      const idempotencyKey = readIdempotencyKey(request.headers['idempotency-key']);
      const charge = readChargeRequest(bodyOf(request), { livemode: merchant.livemode });
      // Omise (seed 003): store_id and store_name not sent in the request must be configured on the
      // account: the merchant's store (its first), or for a name alone the store the request names.
      const store = charge.storeId && charge.storeName ? null : await queries.defaultStore(merchant.id, charge.storeId ?? undefined);
      const storeId = charge.storeId ?? store?.external_no ?? null;
      const facts: OmiseChargeFacts = {
        store_id: storeId,
        store_name: charge.storeName ?? store?.name ?? null,
        terminal_id: charge.terminalId,
      };
      const payment = await services.payments.createBarcodePayment(
        merchant,
        {
          amount: charge.amount,
          currency: 'THB',
          barcode: charge.barcode,
          merchantOrderId: merchantOrderIdFor(idempotencyKey),
          description: charge.description,
          storeId,
          terminalId: charge.terminalId,
          metadata: charge.metadata,
          dialect: 'omise',
          dialectData: { ...facts },
        },
        { idempotencyKey, waitMs: CREATE_WAIT_MS },
      );
      return renderCharge(payment, merchant);
    });

    app.get('/charges', { schema: hidden }, async (request) => {
      const merchant = omiseMerchant(request);
      const query = readListQuery(request.query);
      const { rows, total } = await queries.chargesPage(merchant, query);
      return omiseList(await renderCharges(rows, merchant), '/charges', { ...query, total });
    });

    app.get<{ Params: IdParams }>('/charges/:id', { schema: hidden }, async (request) => {
      const merchant = omiseMerchant(request);
      return renderCharge(await findCharge(merchant, request.params.id), merchant);
    });

    // Seed 003: "charges that have not yet been authorized (status=pending) can be set to expire".
    app.post<{ Params: IdParams }>('/charges/:id/expire', { schema: hidden, config: { omiseAction: 'expire' } }, async (request) => {
      const merchant = omiseMerchant(request);
      const payment = await findCharge(merchant, request.params.id);
      if (!isCancellable(payment.status)) {
        throw new OmiseError(400, 'failed_expire', `charge is ${omiseChargeStatus(payment.status)}: only a pending charge can be expired`);
      }
      // Cancels at the wallet; the charge ends expired, or successful if the buyer paid first.
      return renderCharge(await services.payments.cancelPayment(merchant, payment.id, EXPIRE_WAIT_MS), merchant);
    });

    app.post<{ Params: IdParams }>('/charges/:id/refunds', { schema: hidden, config: { omiseAction: 'refund' } }, async (request) => {
      const merchant = omiseMerchant(request);
      const payment = await findCharge(merchant, request.params.id);
      const idempotencyKey = readIdempotencyKey(request.headers['idempotency-key']);
      const { amount, metadata } = readRefundRequest(bodyOf(request));
      const refund = await services.refunds.createRefund(merchant, payment.id, { amount, dialect: 'omise', dialectData: { metadata } }, { idempotencyKey, waitMs: REFUND_WAIT_MS });
      // Omise merchants treat a resolved refund as done: one the wallet refused is an error, not a refund.
      if (REFUSED[refund.status]) throw new OmiseError(400, 'failed_refund', `the wallet refused refund ${toOmiseRefund(refund).id}: ${refund.failure_message ?? 'refund failed'}`);
      return toOmiseRefund(refund);
    });

    app.get<{ Params: IdParams }>('/charges/:id/refunds', { schema: hidden }, async (request) => {
      const merchant = omiseMerchant(request);
      const payment = await findCharge(merchant, request.params.id);
      const query = readListQuery(request.query);
      const all = ((await queries.refundsOf([payment.id])).get(payment.id) ?? []).filter(
        (refund) => (!query.from || refund.created_at >= query.from) && (!query.to || refund.created_at <= query.to),
      );
      const ordered = query.order === 'chronological' ? all : [...all].reverse();
      const page = ordered.slice(query.offset, query.offset + query.limit).map((refund) => toOmiseRefund(refund));
      return omiseList(page, `/charges/${chargeId(payment.id, payment.livemode === 1)}/refunds`, { ...query, total: all.length });
    });

    app.get<{ Params: IdParams & { refundId: string } }>('/charges/:id/refunds/:refundId', { schema: hidden }, async (request) => {
      const merchant = omiseMerchant(request);
      const refund = await queries.refund(await findCharge(merchant, request.params.id), request.params.refundId);
      if (!refund) throw omiseNotFound('refund', request.params.refundId);
      return toOmiseRefund(refund);
    });

    // Omise endpoints that have no meaning for an Alipay barcode charge: refused in Omise's terms.
    app.post<{ Params: IdParams }>('/charges/:id/capture', { schema: hidden }, async (request) => {
      await findCharge(omiseMerchant(request), request.params.id);
      throw new OmiseError(400, 'failed_capture', 'Alipay barcode charges are captured when the buyer pays; there is nothing to capture');
    });
    app.post<{ Params: IdParams }>('/charges/:id/reverse', { schema: hidden }, async (request) => {
      await findCharge(omiseMerchant(request), request.params.id);
      throw new OmiseError(400, 'bad_request', 'Alipay barcode charges cannot be reversed: expire a pending charge or refund a successful one');
    });
    app.patch<{ Params: IdParams }>('/charges/:id', { schema: hidden }, async (request) => {
      await findCharge(omiseMerchant(request), request.params.id);
      throw new OmiseError(400, 'bad_request', 'updating a charge is not supported by counterpay');
    });
  };
