import type { Kysely, Transaction } from 'kysely';
import { newId } from '@counterpay/core';
import type { Database } from '@counterpay/db';

/** A status change to announce, written by the payment and refund repositories inside the change's transaction. */
export interface OutboxEvent {
  merchantId: string;
  /** The mode of the object that changed: the event is delivered only to endpoints of the same mode. */
  livemode: boolean;
  type: string;
  objectType: 'payment' | 'refund' | 'reconciliation_report';
  objectId: string;
  objectVersion: number;
  /** The native object as it is after the change (`data.object`). */
  object: unknown;
  /** The object's own notify_url, a target beside the merchant's endpoints. */
  notifyUrl: string | null;
  /** The API the payment was made through (`native`, `pingpong`, …): its notify_url gets only that format's events. */
  dialect: string;
  at: Date;
}

/** The format every webhook endpoint has unless it was created for another (`webhook_endpoints.format`). */
export const NATIVE_FORMAT = 'native';

/**
 * Which events a notification format sends (its `eventTypes`). The composition root passes the
 * registry of formats; repositories only ask it by name, so they know no dialect.
 */
export interface DeliveryRules {
  /** The native event types sent in the format of this name (a dialect, or `native`); `*` = all. */
  eventTypesOf(format: string): readonly string[];
}

/** Without rules (repository tests) every format sends every event. */
export const SEND_EVERY_EVENT: DeliveryRules = { eventTypesOf: () => ['*'] };

const sends = (types: readonly string[], type: string) => types.includes('*') || types.includes(type);

/** The native event object (CONTRACT.md), stored as `events.payload` and sent as is to native receivers. */
export interface EventPayload {
  id: string;
  object: 'event';
  type: string;
  livemode: boolean;
  created_at: string;
  data: { object: Record<string, unknown> };
}

/** The event as the planner needs it. */
interface PlannedEvent {
  id: string;
  type: string;
  merchantId: string;
  livemode: boolean;
  dialect: string;
  createdAt: string;
}

/**
 * Writes the outbox row of a change and plans its deliveries. Call it with the transaction that makes
 * the change, so no change is ever without its event, nor an event without its deliveries.
 */
export async function appendEvent(trx: Kysely<Database> | Transaction<Database>, event: OutboxEvent, rules: DeliveryRules = SEND_EVERY_EVENT): Promise<string> {
  const id = newId('event', event.at.getTime());
  const createdAt = event.at.toISOString();
  const payload: EventPayload = { id, object: 'event', type: event.type, livemode: event.livemode, created_at: createdAt, data: { object: event.object as Record<string, unknown> } };
  await trx
    .insertInto('events')
    .values({
      id,
      merchant_id: event.merchantId,
      livemode: event.livemode ? 1 : 0,
      type: event.type,
      object_type: event.objectType,
      object_id: event.objectId,
      object_version: event.objectVersion,
      payload: JSON.stringify(payload),
      created_at: createdAt,
    })
    .execute();
  await planDeliveries(trx, { id, type: event.type, merchantId: event.merchantId, livemode: event.livemode, dialect: event.dialect, createdAt }, event.notifyUrl, rules);
  return id;
}

/**
 * One delivery per target: the object's notify_url, and every endpoint of the merchant IN THE EVENT'S
 * MODE that is not disabled and whose filter matches. A failing endpoint still gets new deliveries
 * (they are tried on the schedule; a replay re-enables it).
 *
 * Each target gets only what its format sends: a native endpoint every event (native, signed with its
 * secret), an endpoint of a dialect's format (an Omise dashboard's webhook URL) only the events that
 * dialect sends about payments made through it, and the notify_url given in a dialect's request only
 * the events that dialect sends (ScanForPay's notifyUrl: successful payments).
 */
async function planDeliveries(trx: Kysely<Database> | Transaction<Database>, event: PlannedEvent, notifyUrl: string | null, rules: DeliveryRules): Promise<void> {
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select(['id', 'url', 'event_types', 'format'])
    .where('merchant_id', '=', event.merchantId)
    .where('livemode', '=', event.livemode ? 1 : 0)
    .where('status', '!=', 'disabled')
    .execute();
  const targets = endpoints
    .filter((e) => {
      const format = e.format || NATIVE_FORMAT;
      if (format !== NATIVE_FORMAT && format !== event.dialect) return false;
      return sends(JSON.parse(e.event_types) as string[], event.type) && sends(rules.eventTypesOf(format), event.type);
    })
    .map((e) => ({ target: `endpoint:${e.id}`, endpoint_id: e.id as string | null, url: e.url }));
  if (notifyUrl && sends(rules.eventTypesOf(event.dialect), event.type)) targets.push({ target: 'notify_url', endpoint_id: null, url: notifyUrl });
  if (targets.length === 0) return;
  await trx
    .insertInto('deliveries')
    .values(
      targets.map((t) => ({
        id: newId('delivery'),
        event_id: event.id,
        merchant_id: event.merchantId,
        target: t.target,
        endpoint_id: t.endpoint_id,
        url: t.url,
        status: 'pending',
        attempts: 0,
        next_attempt_at: event.createdAt,
        lease_owner: null,
        lease_until: null,
        created_at: event.createdAt,
        delivered_at: null,
      })),
    )
    .execute();
}
