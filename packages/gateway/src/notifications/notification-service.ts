import type { Kysely, Selectable } from 'kysely';
import { NotFoundError, type SecretBox, ValidationError, newId, randomToken } from '@counterpay/core';
import type { Database, WebhookEndpointTable } from '@counterpay/db';
import { nativeFormat } from './formats/native-format.ts';
import { assertNotificationUrl } from './url-safety.ts';

type EndpointRow = Selectable<WebhookEndpointTable>;

export function toEndpointObject(row: EndpointRow, secret?: string) {
  return {
    id: row.id,
    object: 'webhook_endpoint' as const,
    url: row.url,
    event_types: JSON.parse(row.event_types) as string[],
    status: row.status,
    created_at: row.created_at,
    ...(secret ? { secret } : {}),
  };
}

const EVENT_TYPES = [...nativeFormat.eventTypes, '*'];
/** A rotated secret keeps signing (beside the new one) for this long unless the caller says otherwise. */
const DEFAULT_ROTATION_OVERLAP_S = 24 * 3600;

/** Webhook endpoints, the event log and redelivery: the merchant-facing side of notifications. */
export class NotificationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  async createEndpoint(merchantId: string, livemode: boolean, input: { url: string; eventTypes?: string[] }) {
    const url = assertNotificationUrl(input.url, livemode);
    const eventTypes = this.eventTypes(input.eventTypes);
    const secret = `whsec_${randomToken(24)}`;
    const now = new Date().toISOString();
    const row: EndpointRow = {
      id: newId('webhookEndpoint'),
      merchant_id: merchantId,
      livemode: livemode ? 1 : 0,
      url,
      event_types: JSON.stringify(eventTypes),
      secret_ciphertext: this.box.seal(secret),
      previous_secret_ciphertext: null,
      previous_secret_expires_at: null,
      status: 'enabled',
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('webhook_endpoints').values(row).execute();
    return toEndpointObject(row, secret);
  }

  async listEndpoints(merchantId: string) {
    const rows = await this.db.selectFrom('webhook_endpoints').selectAll().where('merchant_id', '=', merchantId).orderBy('id').execute();
    return rows.map((r) => toEndpointObject(r));
  }

  async getEndpoint(merchantId: string, id: string): Promise<EndpointRow> {
    const row = await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!row) throw new NotFoundError('webhook endpoint', id, 'id');
    return row;
  }

  async updateEndpoint(merchantId: string, livemode: boolean, id: string, input: { url?: string; eventTypes?: string[]; disabled?: boolean }) {
    await this.getEndpoint(merchantId, id);
    await this.db
      .updateTable('webhook_endpoints')
      .set({
        ...(input.url !== undefined ? { url: assertNotificationUrl(input.url, livemode) } : {}),
        ...(input.eventTypes !== undefined ? { event_types: JSON.stringify(this.eventTypes(input.eventTypes)) } : {}),
        ...(input.disabled !== undefined ? { status: input.disabled ? 'disabled' : 'enabled' } : {}),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    return toEndpointObject(await this.getEndpoint(merchantId, id));
  }

  async deleteEndpoint(merchantId: string, id: string) {
    await this.getEndpoint(merchantId, id);
    // Pending deliveries to it stop; the log of past attempts stays.
    await this.db.updateTable('deliveries').set({ status: 'failed' }).where('endpoint_id', '=', id).where('status', '=', 'pending').execute();
    await this.db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
    return { id, object: 'webhook_endpoint' as const, deleted: true };
  }

  /** New secret now; the old one still signs (as a second v1) until the overlap ends. */
  async rotateSecret(merchantId: string, id: string, overlapS = DEFAULT_ROTATION_OVERLAP_S) {
    const endpoint = await this.getEndpoint(merchantId, id);
    const secret = `whsec_${randomToken(24)}`;
    await this.db
      .updateTable('webhook_endpoints')
      .set({
        secret_ciphertext: this.box.seal(secret),
        previous_secret_ciphertext: endpoint.secret_ciphertext,
        previous_secret_expires_at: new Date(Date.now() + overlapS * 1000).toISOString(),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    return toEndpointObject(await this.getEndpoint(merchantId, id), secret);
  }

  /** Bulk replay: every delivery to the endpoint that failed since `since` is tried again now. */
  async replayEndpoint(merchantId: string, id: string, since: string) {
    if (Number.isNaN(Date.parse(since))) throw new ValidationError('invalid_since', '`since` must be an ISO-8601 time.', 'since');
    await this.getEndpoint(merchantId, id);
    const now = new Date().toISOString();
    const result = await this.db
      .updateTable('deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, lease_owner: null, lease_until: null })
      .where('endpoint_id', '=', id)
      .where('status', '=', 'failed')
      .where('created_at', '>=', new Date(since).toISOString())
      .executeTakeFirst();
    await this.db.updateTable('webhook_endpoints').set({ status: 'enabled', updated_at: now }).where('id', '=', id).where('status', '=', 'failing').execute();
    return { object: 'replay' as const, endpoint: id, since, deliveries: Number(result.numUpdatedRows) };
  }

  async listEvents(merchantId: string, filter: { type?: string; limit: number; startingAfter?: string }) {
    const rows = await this.db
      .selectFrom('events')
      .select('payload')
      .where('merchant_id', '=', merchantId)
      .$if(!!filter.type, (q) => q.where('type', '=', filter.type!))
      .$if(!!filter.startingAfter, (q) => q.where('id', '<', filter.startingAfter!))
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    return { data: rows.slice(0, filter.limit).map((r) => JSON.parse(r.payload) as Record<string, unknown>), hasMore: rows.length > filter.limit };
  }

  async getEvent(merchantId: string, id: string) {
    const row = await this.db.selectFrom('events').select('payload').where('id', '=', id).where('merchant_id', '=', merchantId).executeTakeFirst();
    if (!row) throw new NotFoundError('event', id, 'id');
    return JSON.parse(row.payload) as Record<string, unknown>;
  }

  /** Each delivery of the event with its log of attempts. */
  async listDeliveries(merchantId: string, eventId: string) {
    await this.getEvent(merchantId, eventId);
    const deliveries = await this.db.selectFrom('deliveries').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
    const attempts = await this.db.selectFrom('delivery_attempts').selectAll().where('event_id', '=', eventId).orderBy('attempted_at').execute();
    return deliveries.map((d) => ({
      id: d.id,
      object: 'delivery' as const,
      event: d.event_id,
      target: d.target,
      url: d.url,
      status: d.status,
      attempts: attempts
        .filter((a) => a.delivery_id === d.id)
        .map((a) => ({ at: a.attempted_at, http_status: a.http_status, latency_ms: a.latency_ms, response_excerpt: a.response_excerpt, error: a.error })),
      delivered_at: d.delivered_at,
    }));
  }

  /** Sends the event again to every target now, whatever happened before (receivers de-duplicate by id). */
  async redeliver(merchantId: string, eventId: string) {
    await this.getEvent(merchantId, eventId);
    const result = await this.db
      .updateTable('deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: new Date().toISOString(), lease_owner: null, lease_until: null })
      .where('event_id', '=', eventId)
      .executeTakeFirst();
    return { object: 'redelivery' as const, event: eventId, deliveries: Number(result.numUpdatedRows) };
  }

  private eventTypes(input: string[] | undefined): string[] {
    const types = input && input.length > 0 ? input : ['*'];
    const unknown = types.filter((t) => !EVENT_TYPES.includes(t));
    if (unknown.length) throw new ValidationError('invalid_event_type', `Unknown event types: ${unknown.join(', ')}. Known: ${EVENT_TYPES.join(', ')}.`, 'event_types');
    return types;
  }
}
