import { newId } from '@counterpay/core';
import type { Db } from '../payments/payment-store.ts';

/**
 * Turns one outbox event into one delivery per target — the payment's notify_url and every enabled
 * endpoint of the merchant whose filter matches — in the same transaction as the event, so no event
 * is ever without its deliveries.
 */
export async function planDeliveries(trx: Db, event: { id: string; type: string; merchantId: string; createdAt: string }, notifyUrl: string | null): Promise<void> {
  const endpoints = await trx.selectFrom('webhook_endpoints').select(['id', 'url', 'event_types']).where('merchant_id', '=', event.merchantId).where('status', '!=', 'disabled').execute();
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
