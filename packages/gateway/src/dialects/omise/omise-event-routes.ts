import type { FastifyPluginAsync } from 'fastify';
import { omiseMerchant } from './omise-auth.ts';
import { omiseEventFromOutbox } from './omise-event-object.ts';
import { omiseNotFound } from './omise-errors.ts';
import { omiseList } from './omise-objects.ts';
import type { OmiseQueries } from './omise-queries.ts';
import { readListQuery } from './omise-requests.ts';

const parsePayload = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/**
 * The Events API for Omise charges: each final status of a charge is a `charge.complete` event (the
 * outbox row that also drives webhooks), so a merchant can re-read what its webhook received.
 */
export const omiseEventRoutes =
  (queries: OmiseQueries): FastifyPluginAsync =>
  async (app) => {
    app.get('/events', { schema: { hide: true } }, async (request) => {
      const merchant = omiseMerchant(request);
      const query = readListQuery(request.query);
      const { rows, total } = await queries.eventsPage(merchant, query);
      const refunds = await queries.refundsOf([...new Set(rows.map((row) => row.payment.id))]);
      const data = rows.map(({ event, payment }) =>
        omiseEventFromOutbox({ ...event, payload: parsePayload(event.payload) }, payment, refunds.get(payment.id) ?? [], merchant),
      );
      return omiseList(data, '/events', { ...query, total });
    });

    app.get<{ Params: { id: string } }>('/events/:id', { schema: { hide: true } }, async (request) => {
      const merchant = omiseMerchant(request);
      const found = await queries.event(merchant, request.params.id);
      if (!found) throw omiseNotFound('event', request.params.id);
      const refunds = (await queries.refundsOf([found.payment.id])).get(found.payment.id) ?? [];
      return omiseEventFromOutbox({ ...found.event, payload: parsePayload(found.event.payload) }, found.payment, refunds, merchant);
    });
  };
