import type { Kysely, Selectable } from 'kysely';
import type { Database, EventTable } from '@counterpay/db';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import { CHARGE_COMPLETE_EVENT_TYPES } from './omise-event-object.ts';
import { eventIdOf, paymentIdOf, refundIdOf } from './omise-ids.ts';
import type { ListQuery } from './omise-requests.ts';

export type EventRow = Selectable<EventTable>;

/** Omise shows only what was made through Omise: charges of other APIs are not charges to it. */
const DIALECT = 'omise';

/**
 * Read-only queries behind the Omise views (offset pages, time windows, events joined to their
 * charge), which the payment services' cursor-based lists do not offer. Writes go through the services.
 */
export class OmiseQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /** The merchant's Omise charge with this Omise id, or null (unknown, another merchant's, another API's). */
  async charge(merchantId: string, omiseChargeId: string): Promise<PaymentRow | null> {
    const paymentId = paymentIdOf(omiseChargeId);
    if (!paymentId) return null;
    const row = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', paymentId)
      .where('merchant_id', '=', merchantId)
      .where('dialect', '=', DIALECT)
      .executeTakeFirst();
    return row ?? null;
  }

  async refund(payment: PaymentRow, omiseRefundId: string): Promise<RefundRow | null> {
    const id = refundIdOf(omiseRefundId);
    if (!id) return null;
    const row = await this.db.selectFrom('refunds').selectAll().where('id', '=', id).where('payment_id', '=', payment.id).executeTakeFirst();
    return row ?? null;
  }

  /** Refunds of each payment, oldest first, in one query. */
  async refundsOf(paymentIds: readonly string[]): Promise<Map<string, RefundRow[]>> {
    const byPayment = new Map<string, RefundRow[]>(paymentIds.map((id) => [id, []]));
    if (paymentIds.length === 0) return byPayment;
    const rows = await this.db.selectFrom('refunds').selectAll().where('payment_id', 'in', [...paymentIds]).orderBy('id', 'asc').execute();
    for (const row of rows) byPayment.get(row.payment_id)?.push(row);
    return byPayment;
  }

  /** One page of the merchant's Omise charges in the time window, and how many the window holds. */
  async chargesPage(merchantId: string, query: ListQuery): Promise<{ rows: PaymentRow[]; total: number }> {
    const window = this.db
      .selectFrom('payments')
      .where('merchant_id', '=', merchantId)
      .where('dialect', '=', DIALECT)
      .$if(query.from !== null, (q) => q.where('created_at', '>=', query.from!))
      .$if(query.to !== null, (q) => q.where('created_at', '<=', query.to!));
    const counted = await window.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    // Ids are time-ordered, so ordering by id is ordering by creation.
    const rows = await window.selectAll().orderBy('id', query.order === 'chronological' ? 'asc' : 'desc').limit(query.limit).offset(query.offset).execute();
    return { rows, total: Number(counted.n) };
  }

  /** The store Omise would use when a charge names none ("must already be configured on your account"). */
  async defaultStore(merchantId: string): Promise<{ external_no: string; name: string } | null> {
    const row = await this.db.selectFrom('stores').select(['external_no', 'name']).where('merchant_id', '=', merchantId).orderBy('created_at', 'asc').orderBy('id', 'asc').executeTakeFirst();
    return row ?? null;
  }

  /** A `charge.complete` event of one of the merchant's Omise charges, with that charge. */
  async event(merchantId: string, omiseEventId: string): Promise<{ event: EventRow; payment: PaymentRow } | null> {
    const id = eventIdOf(omiseEventId);
    if (!id) return null;
    const event = await this.chargeEvents(merchantId).where('events.id', '=', id).executeTakeFirst();
    if (!event) return null;
    const payment = await this.db.selectFrom('payments').selectAll().where('id', '=', event.object_id).executeTakeFirst();
    return payment ? { event, payment } : null;
  }

  /** One page of the merchant's `charge.complete` events, each with its charge. */
  async eventsPage(merchantId: string, query: ListQuery): Promise<{ rows: Array<{ event: EventRow; payment: PaymentRow }>; total: number }> {
    const window = this.chargeEvents(merchantId)
      .$if(query.from !== null, (q) => q.where('events.created_at', '>=', query.from!))
      .$if(query.to !== null, (q) => q.where('events.created_at', '<=', query.to!));
    const counted = await window.clearSelect().select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const events = await window.orderBy('events.id', query.order === 'chronological' ? 'asc' : 'desc').limit(query.limit).offset(query.offset).execute();
    const paymentIds = [...new Set(events.map((e) => e.object_id))];
    const payments = paymentIds.length ? await this.db.selectFrom('payments').selectAll().where('id', 'in', paymentIds).execute() : [];
    const byId = new Map(payments.map((p) => [p.id, p]));
    const rows = events.flatMap((event) => {
      const payment = byId.get(event.object_id);
      return payment ? [{ event, payment }] : [];
    });
    return { rows, total: Number(counted.n) };
  }

  private chargeEvents(merchantId: string) {
    return this.db
      .selectFrom('events')
      .innerJoin('payments', 'payments.id', 'events.object_id')
      .selectAll('events')
      .where('events.merchant_id', '=', merchantId)
      .where('events.object_type', '=', 'payment')
      .where('events.type', 'in', [...CHARGE_COMPLETE_EVENT_TYPES])
      .where('payments.dialect', '=', DIALECT);
  }
}
