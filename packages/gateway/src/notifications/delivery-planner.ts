import { planDeliveries as planEventDeliveries } from '../repositories/event-outbox.ts';

type Trx = Parameters<typeof planEventDeliveries>[0];

/**
 * Transitional: payments/payment-store.ts still writes its events itself, without a mode (the column's
 * default, test mode), and plans them here. Delete this file once it calls `appendEvent`
 * (repositories/event-outbox.ts), which writes the event with its object's mode and plans it.
 */
export async function planDeliveries(trx: Trx, event: { id: string; type: string; merchantId: string; createdAt: string }, notifyUrl: string | null): Promise<void> {
  await planEventDeliveries(trx, { ...event, livemode: false }, notifyUrl);
}
