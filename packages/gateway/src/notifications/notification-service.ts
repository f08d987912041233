import { NotFoundError, ValidationError, randomToken } from '@counterpay/core';
import type { DeliveryRepository, DeliveryWithAttempts } from '../repositories/delivery-repository.ts';
import type { EventListFilter, EventRepository } from '../repositories/event-repository.ts';
import type { MerchantScope } from '../repositories/scope.ts';
import type { WebhookEndpoint, WebhookEndpointRepository } from '../repositories/webhook-endpoint-repository.ts';
import { NotificationFormats } from './format-registry.ts';
import { nativeFormat } from './formats/native-format.ts';
import { assertNotificationUrl } from './url-safety.ts';

/** The webhook endpoint object of the native API; `secret` only when it was just created or rotated. */
export function toEndpointObject(endpoint: WebhookEndpoint, secret?: string) {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint' as const,
    url: endpoint.url,
    event_types: endpoint.eventTypes,
    format: endpoint.format,
    status: endpoint.status,
    livemode: endpoint.livemode,
    created_at: endpoint.createdAt,
    ...(secret ? { secret } : {}),
  };
}

function toDeliveryObject(d: DeliveryWithAttempts) {
  return {
    id: d.id,
    object: 'delivery' as const,
    event: d.eventId,
    target: d.target,
    url: d.url,
    status: d.status,
    attempts: d.attemptLog.map((a) => ({ at: a.at, http_status: a.httpStatus, latency_ms: a.latencyMs, response_excerpt: a.responseExcerpt, error: a.error })),
    delivered_at: d.deliveredAt,
  };
}

const EVENT_TYPES = [...nativeFormat.eventTypes, '*'];
/** A rotated secret keeps signing (beside the new one) for this long unless the caller says otherwise. */
const DEFAULT_ROTATION_OVERLAP_S = 24 * 3600;

const newSecret = () => `whsec_${randomToken(24)}`;

/**
 * Webhook endpoints, the event log and redelivery: the merchant-facing side of notifications. Every
 * call is scoped to one merchant in the mode of the key it used; another mode's ids are not found.
 */
export class NotificationService {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly events: EventRepository,
    private readonly deliveries: DeliveryRepository,
    /** The registered formats: which an endpoint may be created in. */
    private readonly formats: NotificationFormats = new NotificationFormats(),
  ) {}

  /**
   * A new endpoint in the scope's mode; its secret is shown this once. `format` is `native` (every
   * event, native) or a dialect's format such as `omise` (an Omise dashboard's webhook URL: only events
   * of payments made through the Omise API, as Omise events).
   */
  async createEndpoint(scope: MerchantScope, input: { url: string; eventTypes?: string[]; format?: string }) {
    const url = assertNotificationUrl(input.url, scope.livemode);
    const format = this.format(input.format);
    const secret = newSecret();
    const endpoint = await this.endpoints.create(scope, { url, eventTypes: this.eventTypes(input.eventTypes), secret, format });
    return toEndpointObject(endpoint, secret);
  }

  async listEndpoints(scope: MerchantScope) {
    return (await this.endpoints.list(scope)).map((e) => toEndpointObject(e));
  }

  async getEndpoint(scope: MerchantScope, id: string) {
    return toEndpointObject(await this.endpoint(scope, id));
  }

  async updateEndpoint(scope: MerchantScope, id: string, input: { url?: string; eventTypes?: string[]; disabled?: boolean }) {
    await this.endpoint(scope, id);
    const updated = await this.endpoints.update(scope, id, {
      ...(input.url !== undefined ? { url: assertNotificationUrl(input.url, scope.livemode) } : {}),
      ...(input.eventTypes !== undefined ? { eventTypes: this.eventTypes(input.eventTypes) } : {}),
      ...(input.disabled !== undefined ? { status: input.disabled ? 'disabled' : 'enabled' } : {}),
    });
    if (!updated) throw new NotFoundError('webhook endpoint', id, 'id');
    return toEndpointObject(updated);
  }

  /** Pending deliveries to it stop; the log of past attempts stays. */
  async deleteEndpoint(scope: MerchantScope, id: string) {
    if (!(await this.endpoints.delete(scope, id))) throw new NotFoundError('webhook endpoint', id, 'id');
    return { id, object: 'webhook_endpoint' as const, deleted: true };
  }

  /** New secret now; the old one still signs (as a second v1) until the overlap ends. */
  async rotateSecret(scope: MerchantScope, id: string, overlapS = DEFAULT_ROTATION_OVERLAP_S) {
    const secret = newSecret();
    const rotated = await this.endpoints.rotateSecret(scope, id, secret, new Date(Date.now() + overlapS * 1000));
    if (!rotated) throw new NotFoundError('webhook endpoint', id, 'id');
    return toEndpointObject(rotated, secret);
  }

  /** Bulk replay: every delivery to the endpoint that failed since `since` is tried again now. */
  async replayEndpoint(scope: MerchantScope, id: string, since: string) {
    if (Number.isNaN(Date.parse(since))) throw new ValidationError('invalid_since', '`since` must be an ISO-8601 time.', 'since');
    await this.endpoint(scope, id);
    const replayed = await this.deliveries.replayFailed(id, new Date(since));
    await this.endpoints.clearFailing(id);
    return { object: 'replay' as const, endpoint: id, since, deliveries: replayed };
  }

  async listEvents(scope: MerchantScope, filter: EventListFilter) {
    const { data, hasMore } = await this.events.list(scope, filter);
    return { data: data.map((e) => e.payload), hasMore };
  }

  async getEvent(scope: MerchantScope, id: string) {
    return (await this.event(scope, id)).payload;
  }

  /** Each delivery of the event with its log of attempts. */
  async listDeliveries(scope: MerchantScope, eventId: string) {
    await this.event(scope, eventId);
    return (await this.deliveries.listForEvent(eventId)).map(toDeliveryObject);
  }

  /** Sends the event again to every target now, whatever happened before (receivers de-duplicate by id). */
  async redeliver(scope: MerchantScope, eventId: string) {
    await this.event(scope, eventId);
    return { object: 'redelivery' as const, event: eventId, deliveries: await this.deliveries.redeliverEvent(eventId) };
  }

  private async endpoint(scope: MerchantScope, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.get(scope, id);
    if (!endpoint) throw new NotFoundError('webhook endpoint', id, 'id');
    return endpoint;
  }

  private async event(scope: MerchantScope, id: string) {
    const event = await this.events.get(scope, id);
    if (!event) throw new NotFoundError('event', id, 'id');
    return event;
  }

  private format(input: string | undefined): string {
    if (input === undefined) return nativeFormat.dialect;
    const known = this.formats.endpointFormats();
    if (!known.includes(input)) throw new ValidationError('parameter_invalid', `Unknown webhook endpoint format ${input}. Known: ${known.join(', ')}.`, 'format');
    return input;
  }

  private eventTypes(input: string[] | undefined): string[] {
    const types = input && input.length > 0 ? input : ['*'];
    const unknown = types.filter((t) => !EVENT_TYPES.includes(t));
    if (unknown.length) throw new ValidationError('invalid_event_type', `Unknown event types: ${unknown.join(', ')}. Known: ${EVENT_TYPES.join(', ')}.`, 'event_types');
    return types;
  }
}
