import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import type { MerchantScope } from '../../repositories/scope.ts';
import { nativeFormat } from '../../notifications/formats/native-format.ts';
import { IdParams, errorResponses } from './schemas.ts';

const EndpointSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('webhook_endpoint'),
  url: Type.String(),
  event_types: Type.Array(Type.String()),
  format: Type.String({ description: 'native (signed native events of every payment), or omise (your Omise dashboard\'s webhook URL: only payments made through the Omise API, as Omise events).' }),
  status: Type.String({ description: 'enabled, disabled, or failing (a delivery exhausted every retry; replay to re-enable)' }),
  livemode: Type.Boolean({ description: 'The mode of the key that created it: it receives only events of that mode.' }),
  created_at: Type.String(),
  secret: Type.Optional(Type.String({ description: 'Shown only when created or rotated.' })),
});
const EventSchema = Type.Object({ id: Type.String(), object: Type.Literal('event'), type: Type.String(), livemode: Type.Boolean(), created_at: Type.String(), data: Type.Object({ object: Type.Record(Type.String(), Type.Unknown()) }) });
const AttemptSchema = Type.Object({ at: Type.String(), http_status: Type.Union([Type.Integer(), Type.Null()]), latency_ms: Type.Integer(), response_excerpt: Type.Union([Type.String(), Type.Null()]), error: Type.Union([Type.String(), Type.Null()]) });
const DeliverySchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('delivery'),
  event: Type.String(),
  target: Type.String(),
  url: Type.String(),
  status: Type.String(),
  attempts: Type.Array(AttemptSchema),
  delivered_at: Type.Union([Type.String(), Type.Null()]),
});
const EventTypes = Type.Array(Type.String(), { maxItems: 10, description: `Event types to receive (${nativeFormat.eventTypes.join(', ')}), or ["*"] (default).` });
const EndpointFormat = Type.String({
  maxLength: 32,
  description: 'native (default): signed native events of every payment. omise: your Omise dashboard\'s webhook URL; only events of payments made through the Omise API, as Omise events (charge.complete, refund.create) signed as Omise signs.',
});
const list = <T extends ReturnType<typeof Type.Object>>(item: T) => Type.Object({ object: Type.Literal('list'), url: Type.String(), has_more: Type.Boolean(), data: Type.Array(item) });

/** The caller's merchant in the mode of its key: it sees only that mode's endpoints and events. */
const scopeOf = (request: FastifyRequest): MerchantScope => ({ merchantId: request.merchant.id, livemode: request.merchant.livemode });

/** Webhook endpoints, the event log, delivery attempts, redelivery and bulk replay. */
export const notificationsRoutes = (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const n = services.notifications;
    const tags = ['notifications'];

    app.post(
      '/webhook_endpoints',
      { schema: { summary: 'Register a webhook endpoint', tags, body: Type.Object({ url: Type.String({ maxLength: 512 }), event_types: Type.Optional(EventTypes), format: Type.Optional(EndpointFormat) }, { additionalProperties: false }), response: { 200: EndpointSchema, ...errorResponses } } },
      async (request) =>
        n.createEndpoint(scopeOf(request), {
          url: request.body.url,
          ...(request.body.event_types ? { eventTypes: request.body.event_types } : {}),
          ...(request.body.format !== undefined ? { format: request.body.format } : {}),
        }),
    );
    app.get('/webhook_endpoints', { schema: { summary: 'List webhook endpoints', tags, response: { 200: list(EndpointSchema), ...errorResponses } } }, async (request) => ({
      object: 'list' as const,
      url: '/v1/webhook_endpoints',
      has_more: false,
      data: await n.listEndpoints(scopeOf(request)),
    }));
    app.get('/webhook_endpoints/:id', { schema: { summary: 'Retrieve a webhook endpoint', tags, params: IdParams, response: { 200: EndpointSchema, ...errorResponses } } }, async (request) =>
      n.getEndpoint(scopeOf(request), request.params.id),
    );
    app.post(
      '/webhook_endpoints/:id',
      {
        schema: {
          summary: 'Update a webhook endpoint',
          tags,
          params: IdParams,
          body: Type.Object({ url: Type.Optional(Type.String({ maxLength: 512 })), event_types: Type.Optional(EventTypes), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          response: { 200: EndpointSchema, ...errorResponses },
        },
      },
      async (request) =>
        n.updateEndpoint(scopeOf(request), request.params.id, {
          ...(request.body.url !== undefined ? { url: request.body.url } : {}),
          ...(request.body.event_types ? { eventTypes: request.body.event_types } : {}),
          ...(request.body.disabled !== undefined ? { disabled: request.body.disabled } : {}),
        }),
    );
    app.delete(
      '/webhook_endpoints/:id',
      { schema: { summary: 'Delete a webhook endpoint', tags, params: IdParams, response: { 200: Type.Object({ id: Type.String(), object: Type.Literal('webhook_endpoint'), deleted: Type.Boolean() }), ...errorResponses } } },
      async (request) => n.deleteEndpoint(scopeOf(request), request.params.id),
    );
    app.post(
      '/webhook_endpoints/:id/rotate_secret',
      {
        schema: {
          summary: 'Rotate the signing secret; the old one keeps signing during the overlap',
          tags,
          params: IdParams,
          body: Type.Optional(Type.Object({ overlap_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 24 * 3600 })) }, { additionalProperties: false })),
          response: { 200: EndpointSchema, ...errorResponses },
        },
      },
      async (request) => n.rotateSecret(scopeOf(request), request.params.id, request.body?.overlap_seconds),
    );
    app.post(
      '/webhook_endpoints/:id/replay',
      {
        schema: {
          summary: 'Replay every failed delivery to the endpoint since a time',
          tags,
          params: IdParams,
          body: Type.Object({ since: Type.String({ description: 'ISO-8601 time' }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ object: Type.Literal('replay'), endpoint: Type.String(), since: Type.String(), deliveries: Type.Integer() }), ...errorResponses },
        },
      },
      async (request) => n.replayEndpoint(scopeOf(request), request.params.id, request.body.since),
    );

    app.get(
      '/events',
      {
        schema: {
          summary: 'List events, newest first',
          tags,
          querystring: Type.Object({ type: Type.Optional(Type.String()), limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$' })), starting_after: Type.Optional(Type.String()) }, { additionalProperties: false }),
          response: { 200: list(EventSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { data, hasMore } = await n.listEvents(scopeOf(request), {
          limit: request.query.limit ? Number(request.query.limit) : 10,
          ...(request.query.type ? { type: request.query.type } : {}),
          ...(request.query.starting_after ? { startingAfter: request.query.starting_after } : {}),
        });
        return { object: 'list' as const, url: '/v1/events', has_more: hasMore, data };
      },
    );
    app.get('/events/:id', { schema: { summary: 'Retrieve an event', tags, params: IdParams, response: { 200: EventSchema, ...errorResponses } } }, async (request) =>
      n.getEvent(scopeOf(request), request.params.id),
    );
    app.get('/events/:id/deliveries', { schema: { summary: 'The event\'s deliveries and every attempt', tags, params: IdParams, response: { 200: list(DeliverySchema), ...errorResponses } } }, async (request) => ({
      object: 'list' as const,
      url: `/v1/events/${request.params.id}/deliveries`,
      has_more: false,
      data: await n.listDeliveries(scopeOf(request), request.params.id),
    }));
    app.post(
      '/events/:id/redeliver',
      { schema: { summary: 'Send the event again to every target', tags, params: IdParams, response: { 200: Type.Object({ object: Type.Literal('redelivery'), event: Type.String(), deliveries: Type.Integer() }), ...errorResponses } } },
      async (request) => n.redeliver(scopeOf(request), request.params.id),
    );
  };
