import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AuthenticationError, detectWallet } from '@counterpay/core';
import { type AuthenticatedMerchant, merchantForApiKey } from '../../merchants/merchant-service.ts';
import type { PaymentRow } from '../../payments/objects.ts';
import type { Services } from '../../services.ts';
import { OmiseError, omiseErrorHandler } from './omise-errors.ts';
import { chargeId, eventId, eventIdOf, omiseList, paymentIdOf, toOmiseCharge, toOmiseRefund } from './omise-objects.ts';
import { readOmiseBody } from './omise-body.ts';

/** THB limits for Alipay barcode charges (seed 003), in satang. */
const MIN_AMOUNT = 2000;
const MAX_AMOUNT = 15_000_000;
/** Omise answers at once; a short wait lets instant outcomes come back final. */
const CREATE_WAIT_MS = 3000;

type OmiseRequest = FastifyRequest & { omiseMerchant: AuthenticatedMerchant };

/**
 * An integer sent as a JSON number or as form text. Form bodies can hold objects whose own keys shadow
 * `toString`/`valueOf`, so nothing but numbers and strings is ever converted.
 */
function integerField(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** The Omise API (seed 003): Alipay barcode charges, refunds and events, translated to the services. */
export const omisePlugin =
  (services: Services): FastifyPluginAsync =>
  async (app) => {
    app.removeAllContentTypeParsers();
    // Bodies are JSON (the official client, also on GET and empty POSTs) or form-encoded (curl -d).
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (request, body, done) => {
      try {
        done(null, readOmiseBody(String(body), request.headers['content-type']));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    app.setErrorHandler(omiseErrorHandler((request) => {
      const url = request.routeOptions.url ?? '';
      return url.endsWith('/refunds') && request.method === 'POST' ? 'refund' : url.endsWith('/expire') ? 'expire' : url === '/charges' && request.method === 'POST' ? 'charge' : 'other';
    }));
    app.addHook('onRequest', async (request) => {
      const match = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      const key = match ? Buffer.from(match[1]!, 'base64').toString('utf8').split(':')[0] : '';
      const merchant = key ? await merchantForApiKey(services.store.db, key, 'omise') : null;
      if (!merchant) throw new AuthenticationError();
      (request as OmiseRequest).omiseMerchant = merchant;
    });

    const merchantOf = (request: FastifyRequest) => (request as OmiseRequest).omiseMerchant;
    const render = async (payment: PaymentRow, merchant: AuthenticatedMerchant) =>
      toOmiseCharge(payment, await services.store.db.selectFrom('refunds').selectAll().where('payment_id', '=', payment.id).orderBy('id').execute(), merchant);
    const paymentFor = async (merchant: AuthenticatedMerchant, id: string) => {
      const paymentId = paymentIdOf(id);
      const payment = paymentId ? await services.store.getPayment(paymentId) : null;
      if (!payment || payment.merchant_id !== merchant.id || payment.dialect !== 'omise') throw new OmiseError(404, 'not_found', `charge ${id} was not found`);
      return payment;
    };

    app.post('/charges', async (request) => {
      const merchant = merchantOf(request);
      const body = (request.body ?? {}) as Record<string, any>;
      const source = (body.source ?? {}) as Record<string, unknown>;
      const amount = integerField(body.amount);
      if (amount === null) throw new OmiseError(400, 'invalid_charge', 'amount must be an integer');
      if (amount < MIN_AMOUNT) throw new OmiseError(400, 'invalid_charge', `amount must be at least ${MIN_AMOUNT}`);
      if (amount > MAX_AMOUNT) throw new OmiseError(400, 'invalid_charge', `amount must be less than ${MAX_AMOUNT + 1}`);
      if (typeof body.currency !== 'string' || body.currency.toUpperCase() !== 'THB') throw new OmiseError(400, 'invalid_charge', 'currency is currently not supported');
      if (source.type !== 'barcode_alipay') throw new OmiseError(400, 'invalid_charge', 'source type is not supported (use barcode_alipay)');
      const barcode = typeof source.barcode === 'string' ? source.barcode : '';
      if (detectWallet(barcode) !== 'alipay') throw new OmiseError(400, 'invalid_charge', 'barcode is invalid');
      const storeId = typeof source.store_id === 'string' ? source.store_id : undefined;
      const payment = await services.payments.createBarcodePayment(
        merchant.id,
        {
          amount,
          currency: 'THB',
          barcode,
          merchantOrderId: `omise-${request.headers['idempotency-key'] ?? crypto.randomUUID()}`,
          description: typeof body.description === 'string' ? body.description : null,
          metadata: typeof body.metadata === 'object' && body.metadata ? (body.metadata as Record<string, string>) : {},
          dialect: 'omise',
          dialectData: { store_id: storeId, store_name: source.store_name, terminal_id: source.terminal_id },
        },
        { idempotencyKey: request.headers['idempotency-key'] as string | undefined, waitMs: CREATE_WAIT_MS },
      );
      return render(payment, merchant);
    });

    app.get('/charges/:id', async (request) => {
      const merchant = merchantOf(request);
      return render(await paymentFor(merchant, (request.params as { id: string }).id), merchant);
    });

    app.get('/charges', async (request) => {
      const merchant = merchantOf(request);
      const q = request.query as Record<string, string | undefined>;
      const limit = Math.min(100, Math.max(1, Number(q.limit ?? 20) || 20));
      const offset = Math.max(0, Number(q.offset ?? 0) || 0);
      const order = q.order === 'reverse_chronological' ? 'reverse_chronological' : 'chronological';
      const base = services.store.db.selectFrom('payments').where('merchant_id', '=', merchant.id).where('dialect', '=', 'omise');
      const total = Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const rows = await base.selectAll().orderBy('id', order === 'chronological' ? 'asc' : 'desc').limit(limit).offset(offset).execute();
      const data = await Promise.all(rows.map((row) => render(row, merchant)));
      return omiseList(data, '/charges', { limit, offset, total, order, from: q.from ?? null, to: q.to ?? null });
    });

    app.post('/charges/:id/expire', async (request) => {
      const merchant = merchantOf(request);
      const payment = await paymentFor(merchant, (request.params as { id: string }).id);
      if (payment.status !== 'processing') throw new OmiseError(400, 'failed_expire', 'charge is not pending');
      return render(await services.payments.cancelPayment(merchant.id, payment.id, CREATE_WAIT_MS), merchant);
    });

    app.post('/charges/:id/refunds', async (request) => {
      const merchant = merchantOf(request);
      const payment = await paymentFor(merchant, (request.params as { id: string }).id);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const amount = body.amount === undefined ? undefined : integerField(body.amount);
      if (amount === null) throw new OmiseError(400, 'failed_refund', 'amount must be an integer');
      const refund = await services.refunds.createRefund(merchant.id, payment.id, { amount, dialect: 'omise' }, { idempotencyKey: request.headers['idempotency-key'] as string | undefined, waitMs: CREATE_WAIT_MS });
      return toOmiseRefund(refund);
    });

    app.get('/charges/:id/refunds', async (request) => {
      const merchant = merchantOf(request);
      const payment = await paymentFor(merchant, (request.params as { id: string }).id);
      const refunds = await services.refunds.listRefunds(merchant.id, payment.id);
      return omiseList(refunds.map(toOmiseRefund), `/charges/${chargeId(payment.id)}/refunds`, { limit: 20, offset: 0, total: refunds.length, order: 'chronological' });
    });

    app.get('/events/:id', async (request) => {
      const merchant = merchantOf(request);
      const id = eventIdOf((request.params as { id: string }).id);
      const event = id ? await services.store.db.selectFrom('events').selectAll().where('id', '=', id).where('merchant_id', '=', merchant.id).executeTakeFirst() : undefined;
      const payment = event?.object_type === 'payment' ? await services.store.getPayment(event.object_id) : null;
      if (!event || !payment || payment.dialect !== 'omise') throw new OmiseError(404, 'not_found', 'event was not found');
      return {
        object: 'event',
        id: eventId(event.id),
        livemode: false,
        location: `/events/${eventId(event.id)}`,
        key: 'charge.complete',
        created_at: `${event.created_at.slice(0, 19)}Z`,
        data: await render(payment, merchant),
      };
    });
  };
