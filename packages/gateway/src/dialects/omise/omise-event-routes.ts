import type { FastifyPluginAsync } from 'fastify';
import { omiseMerchant } from './omise-auth.ts';
import { omiseEventFromOutbox, omiseRefundEventFromOutbox } from './omise-event-object.ts';
import { omiseNotFound } from './omise-errors.ts';
import { omiseList } from './omise-objects.ts';
import type { OmiseEventSubject, OmiseQueries } from './omise-queries.ts';
import { readListQuery } from './omise-requests.ts';

const parsePayload = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/** The event as Omise shows it: `refund.create` with the refund, or `charge.complete` with the charge as it was then. */
function render({ event, payment, refund }: OmiseEventSubject, refunds: Map<string, Parameters<typeof omiseEventFromOutbox>[2]>, rates: Parameters<typeof omiseEventFromOutbox>[3]) {
  if (refund) return omiseRefundEventFromOutbox(event, refund);
  return omiseEventFromOutbox({ ...event, payload: parsePayload(event.payload) }, payment, refunds.get(payment.id) ?? [], rates);
}

/**
 * The Events API for Omise charges: each final status of a charge is a `charge.complete` event and each
 * refund a `refund.create` event (the outbox rows that also drive webhooks), so a merchant can re-read
 * what its webhook received.
 */
export const omiseEventRoutes =
  (queries: OmiseQueries): FastifyPluginAsync =>
  async (app) => {
    app.get('/events', { schema: { hide: true } }, async (request) => {
      const merchant = omiseMerchant(request);
      const query = readListQuery(request.query);
      const { rows, total } = await queries.eventsPage(merchant, query);
      const refunds = await queries.refundsOf([...new Set(rows.map((row) => row.payment.id))]);
      return omiseList(rows.map((row) => render(row, refunds, merchant)), '/events', { ...query, total });
    });

    app.get<{ Params: { id: string } }>('/events/:id', { schema: { hide: true } }, async (request) => {
      const merchant = omiseMerchant(request);
      const found = await queries.event(merchant, request.params.id);
      if (!found) throw omiseNotFound('event', request.params.id);
      return render(found, await queries.refundsOf([found.payment.id]), merchant);
    });
  };
