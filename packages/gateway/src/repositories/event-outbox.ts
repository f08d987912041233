import type { Kysely, Transaction } from 'kysely';
import { newId } from '@counterpay/core';
import type { Database } from '@counterpay/db';

/** A status change to announce, written by the payment and refund repositories inside the change's transaction. */
export interface OutboxEvent {
  merchantId: string;
  /** The mode of the object that changed: the event is delivered only to endpoints of the same mode. */
  livemode: boolean;
  type: string;
  objectType: 'payment' | 'refund';
  objectId: string;
  objectVersion: number;
  /** The native object as it is after the change (`data.object`). */
  object: unknown;
  /** The object's own notify_url, a target beside the merchant's endpoints. */
  notifyUrl: string | null;
  at: Date;
}

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
  createdAt: string;
}

/**
 * Writes the outbox row of a change and plans its deliveries. Call it with the transaction that makes
 * the change, so no change is ever without its event, nor an event without its deliveries.
 */
export async function appendEvent(trx: Kysely<Database> | Transaction<Database>, event: OutboxEvent): Promise<string> {
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
  await planDeliveries(trx, { id, type: event.type, merchantId: event.merchantId, livemode: event.livemode, createdAt }, event.notifyUrl);
  return id;
}

/**
 * One delivery per target: the object's notify_url, and every endpoint of the merchant IN THE EVENT'S
 * MODE that is not disabled and whose filter matches. A failing endpoint still gets new deliveries
 * (they are tried on the schedule; a replay re-enables it).
 */
async function planDeliveries(trx: Kysely<Database> | Transaction<Database>, event: PlannedEvent, notifyUrl: string | null): Promise<void> {
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select(['id', 'url', 'event_types'])
    .where('merchant_id', '=', event.merchantId)
    .where('livemode', '=', event.livemode ? 1 : 0)
    .where('status', '!=', 'disabled')
    .execute();
  const targets = endpoints
    .filter((e) => {
      const types = JSON.parse(e.event_types) as string[];
      return types.includes('*') || types.includes(event.type);
    })
    .map((e) => ({ target: `endpoint:${e.id}`, endpoint_id: e.id as string | null, url: e.url }));
  if (notifyUrl) targets.push({ target: 'notify_url', endpoint_id: null, url: notifyUrl });
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
