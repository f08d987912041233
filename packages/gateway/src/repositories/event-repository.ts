import type { Kysely, Selectable } from 'kysely';
import type { Database, EventTable, PaymentTable, RefundTable } from '@counterpay/db';
import type { EventPayload } from './event-outbox.ts';
import { type MerchantScope, modeFlag } from './scope.ts';

/** An outbox event as stored. */
export interface StoredEvent {
  id: string;
  merchantId: string;
  livemode: boolean;
  type: string;
  objectType: string;
  objectId: string;
  objectVersion: number;
  createdAt: string;
  /** The native event object, with `livemode` from the row (events written before it was in the payload too). */
  payload: EventPayload;
}

export interface EventListFilter {
  type?: string | undefined;
  limit: number;
  /** An event id: only older events follow it. */
  startingAfter?: string | undefined;
}

/** Events of some types about one dialect's payments (and their refunds), an offset page in a time window. */
export interface DialectEventQuery {
  dialect: string;
  types: readonly string[];
  from: string | null;
  to: string | null;
  order: 'chronological' | 'reverse_chronological';
  limit: number;
  offset: number;
}

/** What a notification format needs to render an event: the payment (and refund) and the merchant's pricing. */
export interface EventSubject {
  event: StoredEvent;
  /** The payment the event is about (for refund events: the refunded payment), as it is now. */
  payment: Selectable<PaymentTable>;
  refund: Selectable<RefundTable> | null;
  merchant: { id: string; name: string; defaultCurrency: string; livemode: boolean; feeRateBps: number; feeVatBps: number };
}

function toStoredEvent(row: Selectable<EventTable>): StoredEvent {
  const livemode = row.livemode === 1;
  return {
    id: row.id,
    merchantId: row.merchant_id,
    livemode,
    type: row.type,
    objectType: row.object_type,
    objectId: row.object_id,
    objectVersion: row.object_version,
    createdAt: row.created_at,
    payload: { ...(JSON.parse(row.payload) as EventPayload), livemode },
  };
}

/** The event log: read by merchants (one merchant and mode at a time) and by the delivery worker. */
export class EventRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The event if it belongs to the scope (merchant and mode), else null. */
  async get(scope: MerchantScope, id: string): Promise<StoredEvent | null> {
    const row = await this.#db.selectFrom('events').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('livemode', '=', modeFlag(scope)).executeTakeFirst();
    return row ? toStoredEvent(row) : null;
  }

  /** Newest first (ids are time-ordered), with a cursor. */
  async list(scope: MerchantScope, filter: EventListFilter): Promise<{ data: StoredEvent[]; hasMore: boolean }> {
    const rows = await this.#db
      .selectFrom('events')
      .selectAll()
      .where('merchant_id', '=', scope.merchantId)
      .where('livemode', '=', modeFlag(scope))
      .$if(!!filter.type, (q) => q.where('type', '=', filter.type!))
      .$if(!!filter.startingAfter, (q) => q.where('id', '<', filter.startingAfter!))
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    return { data: rows.slice(0, filter.limit).map(toStoredEvent), hasMore: rows.length > filter.limit };
  }

  /** The event with what it is about, for rendering a delivery; null if the event or its payment is gone. */
  async subject(eventId: string): Promise<EventSubject | null> {
    const row = await this.#db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
    if (!row) return null;
    const refund = row.object_type === 'refund' ? ((await this.#db.selectFrom('refunds').selectAll().where('id', '=', row.object_id).executeTakeFirst()) ?? null) : null;
    const paymentId = refund ? refund.payment_id : row.object_id;
    const payment = await this.#db.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
    if (!payment) return null;
    const m = await this.#db.selectFrom('merchants').selectAll().where('id', '=', payment.merchant_id).executeTakeFirstOrThrow();
    const merchant = { id: m.id, name: m.name, defaultCurrency: m.default_currency, livemode: m.livemode === 1, feeRateBps: m.fee_rate_bps, feeVatBps: m.fee_vat_bps };
    return { event: toStoredEvent(row), payment, refund, merchant };
  }

  /**
   * One offset page of the scope's payment events of some types, for payments made through one dialect,
   * in a time window, and how many the window holds (the Omise events list).
   */
  async pageForDialect(scope: MerchantScope, query: DialectEventQuery): Promise<{ rows: StoredEvent[]; total: number }> {
    const window = this.#dialectEvents(scope, query)
      .$if(query.from !== null, (q) => q.where('events.created_at', '>=', query.from!))
      .$if(query.to !== null, (q) => q.where('events.created_at', '<=', query.to!));
    const counted = await window.clearSelect().select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const rows = await window.orderBy('events.id', query.order === 'chronological' ? 'asc' : 'desc').limit(query.limit).offset(query.offset).execute();
    return { rows: rows.map(toStoredEvent), total: Number(counted.n) };
  }

  /** One such event by id, or null. */
  async getForDialect(scope: MerchantScope, id: string, query: Pick<DialectEventQuery, 'dialect' | 'types'>): Promise<StoredEvent | null> {
    const row = await this.#dialectEvents(scope, query).where('events.id', '=', id).executeTakeFirst();
    return row ? toStoredEvent(row) : null;
  }

  /** Events of the types about payments made through the dialect, or about refunds of such payments. */
  #dialectEvents(scope: MerchantScope, query: Pick<DialectEventQuery, 'dialect' | 'types'>) {
    return this.#db
      .selectFrom('events')
      .selectAll('events')
      .where('events.merchant_id', '=', scope.merchantId)
      .where('events.livemode', '=', modeFlag(scope))
      .where('events.type', 'in', [...query.types])
      .where((eb) =>
        eb.or([
          eb.and([eb('events.object_type', '=', 'payment'), eb('events.object_id', 'in', eb.selectFrom('payments').select('payments.id').where('payments.dialect', '=', query.dialect))]),
          eb.and([
            eb('events.object_type', '=', 'refund'),
            eb('events.object_id', 'in', eb.selectFrom('refunds').innerJoin('payments', 'payments.id', 'refunds.payment_id').select('refunds.id').where('payments.dialect', '=', query.dialect)),
          ]),
        ]),
      );
  }
}
